import type { IpVersion, ProbeProto } from './probe-record';

/** Why a trace stopped. */
export type StopReason = 'reached' | 'unreachable' | 'max-ttl' | 'silent-hops' | 'budget' | 'aborted';

/** Closing summary of a trace; the probe records themselves stream separately. */
export interface TraceSummary {
  type: 'summary';
  run: string | null;
  target: string;
  dst: string;
  src: string | null;
  ipVersion: IpVersion;
  proto: ProbeProto;
  method: string;
  firstTtl: number;
  maxTtl: number;
  /** Highest TTL probed. */
  lastTtl: number;
  reached: boolean;
  stopReason: StopReason;
  probesSent: number;
  probesAnswered: number;
  /** Replies received that belonged to no probe of this trace. */
  foreignReplies: number;
  /** Packets received that failed to decode. */
  malformedReplies: number;
  startedAt: number;
  durationMs: number;
}
