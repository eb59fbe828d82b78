import type { IpVersion, ProbeProto, ProbeRecord } from './probe-record';

export type BalancerClass = 'per-flow' | 'per-packet' | 'per-destination' | 'unknown';

/** One address seen at one or more TTLs. */
export interface MultipathNode {
  addr: string;
  ttls: number[];
}

/** A link between the replies of the same flow at consecutive TTLs. */
export interface MultipathLink {
  from: string;
  to: string;
  /** TTL of `from`. */
  ttl: number;
  flowIds: number[];
}

export interface Balancer {
  /** TTL of the balancing node (its next hops are at ttl + 1). */
  ttl: number;
  addr: string;
  kind: BalancerClass;
  nextHops: string[];
}

export type MultipathAnomaly = { kind: 'loop'; addr: string; ttls: number[] };

/** The graph MDA finds between the source and a target (also from scamper tracelb). */
export interface MultipathResult {
  type: 'multipath';
  run: string | null;
  target: string;
  dst: string;
  ipVersion: IpVersion;
  proto: ProbeProto;
  /** Per-vertex confidence aimed at, percent. */
  confidence: number;
  nodes: MultipathNode[];
  links: MultipathLink[];
  balancers: Balancer[];
  anomalies: MultipathAnomaly[];
  probes: number;
  durationMs: number;
  /** True when every vertex met its stopping point; false when a budget or gap stopped it. */
  complete: boolean;
  stopReason: 'complete' | 'probe-budget' | 'time-budget' | 'max-ttl' | 'aborted';
  records: ProbeRecord[];
}
