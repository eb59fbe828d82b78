/**
 * readLatency (seed 002) where a rise cannot be pinned on one hop:
 *  - a rise only partly kept by the hops after it (a hop both behind a path delay and slow at
 *    its own ICMP): the path delay is what every later hop keeps, the rest is the hop's ICMP
 *    generation; it used to be read as one path delay of the whole rise, "carried by every
 *    later hop", which the later hops contradict;
 *  - a rise at the egress of an opaque or invisible MPLS tunnel: it may lie on the links of
 *    the LSRs nobody sees, and the evidence says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord, probeFields, type ProbeRecord, type ReplyFields } from '../../lib/record';
import { readLatency } from '../../lib/analysis';

/** Three answers per hop at min, min + 0.2, min + 0.5 ms; the last hop is the destination. `more` adds reply fields by TTL. */
function hopsAt(mins: number[], more: (ttl: number) => Partial<ReplyFields> = () => ({})): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  mins.forEach((min, i) => {
    for (const [attempt, extra] of [0, 0.2, 0.5].entries()) {
      const fields = probeFields({ ttl: i + 1, attempt, proto: 'udp', ipVersion: 4, dst: '198.51.100.9' });
      const kind = i === mins.length - 1 ? 'port-unreachable' : 'time-exceeded';
      out.push(makeRecord(fields, { addr: `198.51.100.${i + 1}`, kind, rttMs: min + extra, replyTtl: 250 - i, quotedTtl: 1, mpls: null, ...more(i + 1) }));
    }
  });
  return out;
}

test('a hop 60 ms up whose later hops keep 40 ms: a 40 ms path delay from that hop (or the next), and 20 ms of ICMP generation at it', () => {
  const { verdicts } = readLatency(hopsAt([0.5, 60.5, 40.5, 40.6, 40.9]));
  assert.deepEqual(
    verdicts.map((v) => ('ttl' in v ? [v.kind, v.ttl, Math.round(v.deltaMs)] : [v.kind])),
    [
      ['path-delay', 2, 40],
      ['icmp-slow', 2, 20],
    ],
  );
  const delay = verdicts[0] as Extract<(typeof verdicts)[number], { kind: 'path-delay' }>;
  assert.equal(delay.carriedTo, 5);
  assert.match(delay.evidence, /every later hop up to TTL 5 keeps \+40\.0 ms: a path delay on the link into TTL 2 or into TTL 3$/);
  assert.match(verdicts[1].evidence, /20\.0 ms above the \+40\.0 ms the later hops keep/);
});

test('later hops a little under the rise (jitter, not a quarter of it) leave a plain path delay', () => {
  const { verdicts } = readLatency(hopsAt([0.5, 0.6, 41.5, 40.4, 40.9]));
  assert.deepEqual(
    verdicts.map((v) => ('ttl' in v ? [v.kind, v.ttl] : [v.kind])),
    [['path-delay', 3]],
  );
  assert.match(verdicts[0].evidence, /carried by every later hop up to TTL 5$/);
});

test('later hops keeping under half the rise: ICMP generation at the hop, the smaller step read on its own', () => {
  const { verdicts } = readLatency(hopsAt([0.5, 60.5, 20.5, 20.6]));
  assert.deepEqual(
    verdicts.map((v) => ('ttl' in v ? [v.kind, v.ttl] : [v.kind])),
    [
      ['icmp-slow', 2],
      ['path-delay', 3],
    ],
  );
});

test('a step at the egress of an opaque or invisible tunnel may lie on the hidden LSRs\' links: the evidence says so', () => {
  // Opaque: the egress quotes a label whose TTL says 3 LSRs hid before it.
  const opaque = readLatency(hopsAt([0.3, 20.4, 20.6], (ttl) => (ttl === 2 ? { mpls: [{ label: 304, tc: 0, s: true, ttl: 252 }] } : {})));
  assert.deepEqual(opaque.verdicts.map((v) => ('ttl' in v ? [v.kind, v.ttl] : [v.kind])), [['path-delay', 2]]);
  assert.match(opaque.verdicts[0].evidence, /at TTL 2 \(198\.51\.100\.2\) or on the links of the 3 hidden LSRs before it \(opaque MPLS tunnel\), carried by every later hop up to TTL 3$/);
  // Invisible: nothing quoted, the egress's answers come back over 4 more hops than the forward step.
  const invisible = readLatency(hopsAt([0.3, 20.4, 20.6], (ttl) => ({ replyTtl: ttl === 1 ? 255 : 255 - ttl - 3 })));
  assert.match(invisible.verdicts[0].evidence, /or on the links of the \d hidden LSRs? before it \(invisible MPLS tunnel\)/);
  // A plain path: no such words.
  assert.doesNotMatch(readLatency(hopsAt([0.3, 20.4, 20.6])).verdicts[0].evidence, /hidden/);
});
