import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUdpProbe, parseIcmp, parseIpv4, parseMplsStack, splitErrorBody } from '../../../lib/packet';
import { mpls } from '../../lab/topologies/mpls';
import { VirtualScheduler } from '../../lab/emu/delay';
import { buildEmuNet } from '../../lab/emu/net';
import { Emulator } from '../../lab/emu/router';

const SRC4 = '198.19.21.1';

/** The one answer to a UDP probe of TTL `ttl` to tunnel destination 198.19.29.`n`, with its arrival time. */
function answer(n: number, ttl: number) {
  const scheduler = new VirtualScheduler();
  const out: { t: number; packet: Uint8Array }[] = [];
  const emu = new Emulator(buildEmuNet(mpls), scheduler, (_tun, packet) => out.push({ t: scheduler.now(), packet }), () => 0);
  const probe = buildUdpProbe({ src: SRC4, dst: `198.19.29.${n}`, ttl, sport: 40000, dport: 33434, ipId: 7 });
  emu.fromTun('to-pe1', probe);
  scheduler.run();
  assert.equal(out.length, 1);
  const ip = parseIpv4(out[0].packet);
  assert.ok(ip.ok && ip.value.checksumValid);
  const icmp = parseIcmp(ip.value.payload, 4);
  assert.ok(icmp.ok);
  const split = splitErrorBody(icmp.value);
  const quoted = parseIpv4(split.quote, { allowTruncated: true });
  assert.ok(quoted.ok);
  let labels: { label: number; ttl: number }[] | null = null;
  if (split.extensions) {
    assert.ok(split.extensions.ok && split.extensions.value.checksumValid);
    const stack = parseMplsStack(split.extensions.value.objects[0].payload);
    assert.ok(stack.ok);
    labels = stack.value.map((l) => ({ label: l.label, ttl: l.ttl }));
  }
  return { t: out[0].t, from: ip.value.header.src, replyTtl: ip.value.header.ttl, type: icmp.value.type, quotedTtl: quoted.value.header.ttl, labels };
}

test('explicit (uniform, RFC 4950, PHP, tunnelled): LSRs quote their received label at TTL 1, answer via the egress (20 ms)', () => {
  for (const [ttl, label, from] of [[2, 101, '198.19.22.2'], [3, 102, '198.19.23.2'], [4, 103, '198.19.24.2']] as const) {
    const a = answer(1, ttl);
    assert.deepEqual([a.from, a.type, a.labels, a.t], [from, 11, [{ label, ttl: 1 }], 20]);
  }
  assert.deepEqual([answer(1, 5).from, answer(1, 5).labels], ['198.19.25.2', null], 'the egress after PHP: plain IP');
});

test('implicit (uniform, no RFC 4950): no labels, quoted TTL 1, 2, 3 along the LSRs, answered directly', () => {
  assert.deepEqual([2, 3, 4].map((ttl) => answer(2, ttl)).map((a) => [a.labels, a.quotedTtl, a.t]), [[null, 1, 0], [null, 2, 0], [null, 3, 0]]);
});

test('opaque (pipe, RFC 4950, UHP): TTL 2 is the egress, quoting label 304 at TTL 255 - 3 LSRs; its answer returns over the whole chain', () => {
  const a = answer(3, 2);
  assert.deepEqual([a.from, a.labels, a.replyTtl], ['198.19.25.2', [{ label: 304, ttl: 252 }], 255 - 4]);
});

test('invisible (pipe, PHP, no RFC 4950): TTL 2 is the egress, no labels, 4 hops back', () => {
  const a = answer(4, 2);
  assert.deepEqual([a.from, a.labels, a.replyTtl, a.quotedTtl], ['198.19.25.2', null, 255 - 4, 1]);
  assert.equal(answer(4, 3).from, '198.19.29.4');
});
