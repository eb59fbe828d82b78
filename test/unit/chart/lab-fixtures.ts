/**
 * Fixtures recorded on the lab (test/fixtures/chart/): MDA results from `hopscope mda --json`
 * on the ECMP topologies (records stripped) and a `hopscope trace --json -q 4` on linear;
 * traces of the emulated `latency` and `mpls` topologies (notebook 04's recording: 8 probes a
 * hop to latency's destination, 3 a hop over mpls's explicit LSP). The SYNTHETIC latency
 * cases are the linear trace with RTTs (and MPLS labels) rewritten, as each function says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromJsonl } from '../../../lib/io';
import type { MplsLabel, MultipathResult, ProbeRecord } from '../../../lib/record';

const DIR = join(__dirname, '..', '..', 'fixtures', 'chart');

export type LabMda = 'ecmp-flow' | 'ecmp-flow-v6' | 'ecmp-unequal' | 'ecmp-packet' | 'ecmp-dest';

export function labMda(name: LabMda): MultipathResult {
  return JSON.parse(readFileSync(join(DIR, `mda-${name}.json`), 'utf8')) as MultipathResult;
}

/** The linear topology traced from its source: 5 hops, 4 probes each, sub-millisecond RTTs. */
export function labLinearTrace(): ProbeRecord[] {
  return fromJsonl(readFileSync(join(DIR, 'trace-linear.jsonl'), 'utf8')).records;
}

/** The emulated latency topology (v4): a 60 ms ICMP slow path at hop 1 only, a 40 ms RTT step from hop 3 to the end (hop 5). */
export function labLatencyTrace(): ProbeRecord[] {
  return fromJsonl(readFileSync(join(DIR, 'trace-latency.jsonl'), 'utf8')).records;
}

/** The emulated mpls topology's explicit LSP: labelled LSRs at TTLs 2-4 ICMP-tunnelled to the egress (TTL 5) over a 10 ms link each way. */
export function labMplsExplicitTrace(): ProbeRecord[] {
  return fromJsonl(readFileSync(join(DIR, 'trace-mpls-explicit.jsonl'), 'utf8')).records;
}

/** The linear trace with `addMs(ttl)` added to every RTT (SYNTHETIC delays). */
function delayed(addMs: (ttl: number) => number, mpls: (ttl: number) => MplsLabel[] | null = () => null): ProbeRecord[] {
  return labLinearTrace().map((r) => (r.rttMs === null ? r : { ...r, rttMs: r.rttMs + addMs(r.ttl), mpls: mpls(r.ttl) ?? r.mpls }));
}

/** SYNTHETIC: hop 2 answers 15 ms late on its own (slow ICMP), 20 ms of path delay from hop 4 on. */
export function syntheticDelayAndSpike(): ProbeRecord[] {
  return delayed((ttl) => (ttl === 2 ? 15 : ttl >= 4 ? 20 : 0));
}

/** SYNTHETIC: 40 ms of path delay from hop 3 on, and hop 3 20 ms slower still at its own ICMP. */
export function syntheticPartlyKept(): ProbeRecord[] {
  return delayed((ttl) => (ttl === 3 ? 60 : ttl > 3 ? 40 : 0));
}

/** SYNTHETIC: hops 2 and 3 inside an MPLS tunnel (explicit labels) answer at the egress's 30 ms (hop 4). */
export function syntheticTunnel(): ProbeRecord[] {
  return delayed(
    (ttl) => (ttl >= 2 ? 30 : 0),
    (ttl) => (ttl === 2 || ttl === 3 ? [{ label: 16000 + ttl, tc: 0, s: true, ttl: 1 }] : null),
  );
}
