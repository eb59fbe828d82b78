import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../../lib/probe/token-bucket';

test('the rate cap lets a burst out, then one token per 1/rate seconds', () => {
  let now = 0;
  const b = new TokenBucket(100, 3, () => now);
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  assert.equal(b.waitMs(), 10);
  now = 5;
  assert.equal(b.take(), false);
  now = 10;
  assert.equal(b.take(), true);
  now = 1000;
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false], 'never more than the burst saved up');
});
