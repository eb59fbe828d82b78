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
  /**
   * Other destinations (per-destination probing) whose flows alone showed this link; absent
   * when flows towards the target did.
   */
  viaDst?: string[];
  /**
   * The link is downstream of a per-packet balancer inside its diamond: one flow's packets
   * take different branches there, so two replies of one flow may come from different paths
   * and the link may not exist (a would-be false link that same-flow probing cannot rule out).
   */
  uncertain?: boolean;
}

export interface Balancer {
  /** TTL of the balancing node (its next hops are at ttl + 1). */
  ttl: number;
  addr: string;
  kind: BalancerClass;
  nextHops: string[];
  /** How the kind was decided: same-flow repeats answered by one or several next hops, and how many. */
  evidence?: string;
}

/**
 * `loop`: one flow meets the same address at consecutive TTLs. `cycle`: one flow meets an
 * address again after others. `diamond`: paths split at `divergence` and meet again at
 * `convergence` (null: not before the end). `false-link`: addresses at consecutive TTLs
 * that no single flow joins, which classic traceroute (a new flow per probe) could report
 * as a link (`from === to`: the false loop A-B-C-C).
 */
export type MultipathAnomaly =
  | { kind: 'loop'; addr: string; ttls: number[]; flowIds?: number[] }
  | { kind: 'cycle'; addr: string; ttls: number[]; flowIds?: number[] }
  | {
      kind: 'diamond';
      divergence: { addr: string; ttl: number };
      convergence: { addr: string; ttl: number } | null;
      /** Most addresses at one TTL inside. */
      maxWidth: number;
      /** TTLs from divergence to convergence. */
      length: number;
      meshed: boolean;
      /** Some paths through it are longer than others (an address at two TTLs, or the target reached at several). */
      unequalLengths: boolean;
    }
  | { kind: 'false-link'; from: string; to: string; ttl: number };

/** Where MDA-Lite handed a TTL to the full MDA's per-vertex stopping points, and why. */
export interface MdaFallback {
  /** The TTL whose probes were brought to the per-vertex stopping points of the vertices one hop back. */
  ttl: number;
  reason: 'meshing' | 'width-asymmetry' | 'unequal-lengths';
  /** The addresses that showed it (meshed vertices, the asymmetric hop's vertices, the address seen at two TTLs). */
  addrs: string[];
}

/** One probed flow (one set of hashed fields) with its answers by TTL. */
export interface MultipathFlow {
  flowId: number;
  /** The destination it was sent to (other than the target only under per-destination probing). */
  dst: string;
  sport: number | null;
  dport: number | null;
  flowLabel: number | null;
  /** First answer at each probed TTL (null: none). */
  hops: { ttl: number; addr: string | null; rttMs: number | null }[];
  sent: number;
  answered: number;
  /** Unanswered fraction of its probes. */
  loss: number;
}

/** A path from the first hop to the end, read off the links, with the flows that followed it. */
export interface MultipathPath {
  /** Address at each TTL from `firstTtl` on. */
  addrs: string[];
  firstTtl: number;
  /** Flows whose every answer lies on this path. */
  flowIds: number[];
  /** Median RTT of those flows' answers at each TTL (null: none). */
  rttMs: (number | null)[];
  sent: number;
  answered: number;
  loss: number;
}

/** The graph MDA finds between the source and a target (also from scamper tracelb). */
export interface MultipathResult {
  type: 'multipath';
  run: string | null;
  target: string;
  dst: string;
  ipVersion: IpVersion;
  proto: ProbeProto;
  /** Which algorithm produced the graph. */
  algorithm?: 'mda-lite' | 'mda' | 'scamper-tracelb';
  /** MDA-Lite: the TTLs it handed to the full MDA, and why (empty: none). */
  fallbacks?: MdaFallback[];
  /** Confidence aimed at, percent: per vertex, or for the whole graph (`confidenceMode`). */
  confidence: number;
  /** 'per-vertex' (absent: the same): each vertex stopped at `confidence`; 'whole-trace': `confidence` for the whole graph, split over `branchPoints` tests. */
  confidenceMode?: 'per-vertex' | 'whole-trace';
  /** The per-vertex confidence every test stopped at, percent (whole trace: (confidence/100)^(1/branchPoints)). */
  vertexConfidence?: number;
  /** Whole trace: the tests (answering routers and per-packet tests) the failure budget was split over. */
  branchPoints?: number;
  nodes: MultipathNode[];
  links: MultipathLink[];
  balancers: Balancer[];
  anomalies: MultipathAnomaly[];
  /** Per-flow answers, RTT and loss. */
  flows?: MultipathFlow[];
  /** Every path through the graph with its RTT profile and loss. */
  paths?: MultipathPath[];
  /** Prefix whose other addresses were probed to find per-destination balancers (null: not probed). */
  perDestPrefix?: string | null;
  probes: number;
  durationMs: number;
  /** True when every vertex met its stopping point; false when a budget or gap stopped it. */
  complete: boolean;
  /** Same as `complete`: the confidence target was met (false: a budget, a gap or an abort stopped the run first). */
  confidenceMet?: boolean;
  stopReason: 'complete' | 'probe-budget' | 'time-budget' | 'max-ttl' | 'aborted';
  records: ProbeRecord[];
}
