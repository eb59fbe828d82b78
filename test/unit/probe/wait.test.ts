import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveWait } from '../../../lib/probe/wait';

test('adaptive wait: MAX until something answers; HERE x RTT of the own hop; NEAR x RTT of a later hop', () => {
  const w = new AdaptiveWait(3000, 250);
  assert.equal(w.waitMs(3), 3000, 'nothing known: the full wait');
  w.seen(3, 200);
  assert.equal(w.waitMs(3), 600, 'HERE: 3 x 200 ms');
  assert.equal(w.waitMs(4), 3000, 'an earlier hop says nothing about a later one');
  w.seen(5, 120);
  assert.equal(w.waitMs(4), 1200, 'NEAR: 10 x 120 ms from hop 5');
  assert.equal(w.waitMs(3), 1200, 'a later answer takes precedence over the own hop');
  w.seen(6, 1);
  assert.equal(w.waitMs(4), 1200, 'the slowest later answer counts');
  assert.equal(w.waitMs(5), 250, 'never below the minimum');
  w.seen(7, 900);
  assert.equal(w.waitMs(2), 3000, 'never above MAX');
});

test('adaptive wait: a black hole waits MAX at every silent hop, a silent router among answering ones does not', () => {
  const hole = new AdaptiveWait(2000, 250);
  hole.seen(1, 0.3);
  hole.seen(2, 0.4);
  for (const ttl of [3, 4, 5, 6, 7]) assert.equal(hole.waitMs(ttl), 2000);
  const quiet = new AdaptiveWait(2000, 250);
  const waitAt2 = quiet.forTtl(2);
  assert.equal(waitAt2(), 2000);
  quiet.seen(3, 0.5);
  assert.equal(waitAt2(), 250, 're-read while waiting: hop 3 answering shortens hop 2\'s wait');
});
