import type { ProbeRecord, ReplyKind } from '../record';
import { summarize, type Summary } from './stats';

/** One address seen answering at a hop. */
export interface HopResponder {
  addr: string;
  replies: number;
  rtt: Summary | null;
  kinds: ReplyKind[];
  /** Distinct reply TTLs seen from this address, ascending. */
  replyTtls: number[];
  /** Distinct flow ids this address answered, ascending (null flow ids left out). */
  flowIds: number[];
}

/** Everything probed at one TTL, merged over attempts, flows and rounds. */
export interface HopRow {
  ttl: number;
  sent: number;
  answered: number;
  /** Fraction of probes at this TTL that drew no reply, 0..1. */
  loss: number;
  /** Responders in order of first reply. */
  responders: HopResponder[];
  /** RTT over every answered probe at this TTL. */
  rtt: Summary | null;
}

interface ResponderAcc {
  addr: string;
  rtts: number[];
  replies: number;
  kinds: Set<ReplyKind>;
  replyTtls: Set<number>;
  flowIds: Set<number>;
}

const ascending = (a: number, b: number) => a - b;

/** Per-hop table of a trace (or of many traces of the same path), ordered by TTL. */
export function hopTable(records: Iterable<ProbeRecord>): HopRow[] {
  const byTtl = new Map<number, { sent: number; rtts: number[]; responders: Map<string, ResponderAcc> }>();
  for (const r of records) {
    let hop = byTtl.get(r.ttl);
    if (!hop) byTtl.set(r.ttl, (hop = { sent: 0, rtts: [], responders: new Map() }));
    hop.sent++;
    if (r.addr === null) continue;
    let acc = hop.responders.get(r.addr);
    if (!acc) {
      acc = { addr: r.addr, rtts: [], replies: 0, kinds: new Set(), replyTtls: new Set(), flowIds: new Set() };
      hop.responders.set(r.addr, acc);
    }
    acc.replies++;
    if (r.rttMs !== null) {
      acc.rtts.push(r.rttMs);
      hop.rtts.push(r.rttMs);
    }
    if (r.kind !== null) acc.kinds.add(r.kind);
    if (r.replyTtl !== null) acc.replyTtls.add(r.replyTtl);
    if (r.flowId !== null) acc.flowIds.add(r.flowId);
  }
  return [...byTtl.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ttl, hop]) => {
      const responders = [...hop.responders.values()].map((a) => ({
        addr: a.addr,
        replies: a.replies,
        rtt: summarize(a.rtts),
        kinds: [...a.kinds],
        replyTtls: [...a.replyTtls].sort(ascending),
        flowIds: [...a.flowIds].sort(ascending),
      }));
      const answered = responders.reduce((s, a) => s + a.replies, 0);
      return { ttl, sent: hop.sent, answered, loss: hop.sent ? 1 - answered / hop.sent : 0, responders, rtt: summarize(hop.rtts) };
    });
}
