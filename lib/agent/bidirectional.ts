import type { TraceSummary, ProbeRecord } from '../record';
import { bidirectionalJoin, type BidirectionalOptions, type BidirectionalResult } from '../analysis/bidirectional';
import { ArgumentError, type TraceOptions } from '../probe';
import type { AgentProber } from './client';

export interface BidirectionalTraceOptions extends Omit<TraceOptions, 'prober' | 'src'>, BidirectionalOptions {
  /** A's address to trace to from B (default: the address A's trace to B leaves from). */
  aAddress?: string;
  /** B's address to trace to from A (default: B's only address of the IP version). */
  bAddress?: string;
}

export interface BidirectionalTrace extends BidirectionalResult {
  forwardRecords: ProbeRecord[];
  reverseRecords: ProbeRecord[];
  forwardSummary: TraceSummary;
  reverseSummary: TraceSummary;
}

/**
 * The same trace from agent a towards agent b and from b towards a, at the same moment,
 * joined hop by hop (lib/analysis bidirectionalJoin).
 */
export async function bidirectional(a: AgentProber, b: AgentProber, options: BidirectionalTraceOptions = {}): Promise<BidirectionalTrace> {
  const { aAddress, bAddress, matePrefix, position, ...traceOptions } = options;
  const v = traceOptions.ipVersion ?? 4;
  let bAddr = bAddress;
  if (bAddr === undefined) {
    const addrs = await b.addresses(v);
    if (addrs.length !== 1) throw new ArgumentError('bAddress', `one of agent ${b.address}'s addresses (it has ${addrs.length}: ${addrs.join(', ') || 'none'})`, bAddr);
    bAddr = addrs[0];
  }
  const aAddr = aAddress ?? (await a.route(bAddr));
  const fwd = a.trace(bAddr, traceOptions);
  const rev = b.trace(aAddr, traceOptions);
  const [forwardSummary, reverseSummary] = await Promise.all([fwd.summary, rev.summary]);
  const joined = bidirectionalJoin(
    { src: forwardSummary.src ?? aAddr, dst: forwardSummary.dst, records: fwd.records },
    { src: reverseSummary.src ?? bAddr, dst: reverseSummary.dst, records: rev.records },
    { matePrefix, position },
  );
  return { ...joined, forwardRecords: [...fwd.records], reverseRecords: [...rev.records], forwardSummary, reverseSummary };
}
