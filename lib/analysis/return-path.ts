import type { ProbeRecord } from '../record';
import { guessInitialTtl, returnHops, type InitialTtlRule } from './ttl';

/** Router fingerprint from the initial TTLs of its time-exceeded and echo-reply (Vanaubel et al.). */
export type SignatureClass = 'cisco' | 'juniper' | 'junose' | 'linux' | 'other';

export interface RouterSignature {
  /** Initial TTL of its ICMP errors, null when it sent none. */
  timeExceeded: number | null;
  /** Initial TTL of its echo replies, null when it did not answer pings. */
  echoReply: number | null;
  /** Class of the full pair; null while one side is missing. */
  class: SignatureClass | null;
}

export function classifySignature(timeExceeded: number | null, echoReply: number | null): RouterSignature {
  let cls: SignatureClass | null = null;
  if (timeExceeded !== null && echoReply !== null) {
    const pair = `${timeExceeded},${echoReply}`;
    // <254, *>: Juniper M/T, whose ICMP errors start one below 255 (seed 003).
    cls = pair === '255,255' ? 'cisco' : pair === '255,64' || timeExceeded === 254 ? 'juniper' : pair === '128,128' ? 'junose' : pair === '64,64' ? 'linux' : 'other';
  }
  return { timeExceeded, echoReply, class: cls };
}

export interface ReturnEstimate {
  ttl: number;
  addr: string;
  replyTtl: number;
  initialTtl: number;
  /** Hops the reply travelled back, counted like the forward TTL (the replying router is 1). */
  returnHops: number;
  /** returnHops - ttl: positive when the way back is longer. */
  asymm: number;
}

/**
 * Return-path length of each answered probe from its reply TTL. `knownInitial` overrides the
 * guess for routers whose initial TTL is known (from a signature, e.g. 254 on Juniper M/T),
 * which is what keeps such a router from looking asymmetric.
 */
export function estimateReturn(r: ProbeRecord, rule: InitialTtlRule = 'tracepath', knownInitial?: ReadonlyMap<string, number>): ReturnEstimate | null {
  if (r.addr === null || r.replyTtl === null) return null;
  const initialTtl = knownInitial?.get(r.addr) ?? guessInitialTtl(r.replyTtl, rule);
  if (r.replyTtl > initialTtl) return null;
  const back = returnHops(r.replyTtl, initialTtl);
  return { ttl: r.ttl, addr: r.addr, replyTtl: r.replyTtl, initialTtl, returnHops: back, asymm: back - r.ttl };
}

/** One estimate per (TTL, address): the most common reply TTL wins. */
export function returnTable(records: readonly ProbeRecord[], rule: InitialTtlRule = 'tracepath', knownInitial?: ReadonlyMap<string, number>): ReturnEstimate[] {
  const counts = new Map<string, Map<number, number>>();
  const sample = new Map<string, ProbeRecord>();
  for (const r of records) {
    if (r.addr === null || r.replyTtl === null || r.kind === 'frag-needed') continue;
    const key = `${r.ttl}|${r.addr}`;
    if (!counts.has(key)) counts.set(key, new Map());
    const c = counts.get(key)!;
    c.set(r.replyTtl, (c.get(r.replyTtl) ?? 0) + 1);
    sample.set(key, r);
  }
  const out: ReturnEstimate[] = [];
  for (const [key, c] of counts) {
    const replyTtl = [...c.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    const est = estimateReturn({ ...sample.get(key)!, replyTtl }, rule, knownInitial);
    if (est) out.push(est);
  }
  return out.sort((a, b) => a.ttl - b.ttl || a.addr.localeCompare(b.addr));
}

/** Initial TTLs routers really start their ICMP errors at: the usual three and Juniper M/T's 254. */
export const KNOWN_INITIAL_TTLS: readonly number[] = [64, 128, 254, 255];

/**
 * A router's time-exceeded read with the help of its echo reply. Both come back over the
 * same route (to the same source), so the echo's return length (its initial TTL guessed by
 * the TNT rule) tells what the time-exceeded's initial TTL must have been. When that is a
 * known initial TTL other than the one the reply TTL alone suggests (254 read as 255, the
 * false `asymm 1` of seed 003), the corrected initial TTL and return length are returned;
 * null when there is nothing to correct or the pair makes no sense.
 */
export function returnFromEcho(teReplyTtl: number, echoReplyTtl: number, rule: InitialTtlRule = 'tracepath'): { initialTtl: number; returnHops: number } | null {
  const back = returnHops(echoReplyTtl, guessInitialTtl(echoReplyTtl, 'tnt'));
  const initialTtl = teReplyTtl + back - 1;
  if (initialTtl === guessInitialTtl(teReplyTtl, rule) || !KNOWN_INITIAL_TTLS.includes(initialTtl)) return null;
  return { initialTtl, returnHops: back };
}
