import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, resolveTraceOptions } from '../../../lib/probe';

test('a source address must be one of this host\'s, of the target\'s family', async () => {
  assert.equal((await resolveTraceOptions('127.0.0.1', { src: '127.0.0.1' })).src, '127.0.0.1');
  assert.equal((await resolveTraceOptions('::1', { src: '0:0::1' })).src, '::1', 'in the replies\' text form');
  await assert.rejects(resolveTraceOptions('127.0.0.1', { src: '198.51.100.7' }), (e: ArgumentError) => {
    assert.ok(e instanceof ArgumentError);
    assert.match(e.message, /^src must be an IPv4 address of this host \(.*127\.0\.0\.1.*\), got "198\.51\.100\.7"$/);
    return true;
  });
  await assert.rejects(resolveTraceOptions('127.0.0.1', { src: '::1' }), /src must be an IPv4 address of this host/);
});
