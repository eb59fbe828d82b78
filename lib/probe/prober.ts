import type { IpVersion, ProbeRecord } from '../record';
import type { ProbeSpec } from './spec';

export interface ProbeWaitOptions {
  /** How long to wait for the reply; a function is re-read while waiting (adaptive timeouts). */
  timeoutMs?: number | (() => number);
  signal?: AbortSignal;
}

export interface ProberStats {
  sent: number;
  answered: number;
  timedOut: number;
  /** Packets that decoded but belonged to no probe in flight. */
  foreign: number;
  /** Replies to probes that had already timed out. */
  late: number;
  /** Second replies to an already answered probe. */
  duplicates: number;
  /** Packets that failed to decode. */
  malformed: number;
  sendErrors: number;
}

/**
 * The unit every probing method is written against: send one probe, get its record.
 * Implemented in-process by Engine; a privileged agent implements the same interface.
 */
export interface Prober {
  readonly ipVersion: IpVersion;
  /** Resolves with the probe's record when it is answered or its wait runs out. */
  probe(spec: ProbeSpec, options?: ProbeWaitOptions): Promise<ProbeRecord>;
  stats(): ProberStats;
  close(): void;
}
