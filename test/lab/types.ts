/** A lab topology: plain data that `labUp` turns into namespaces, veths, routes and rules. */
export interface Topology {
  name: string;
  description: string;
  nodes: LabNode[];
  links: LabLink[];
  /** The node probes are sent from (aliased as namespace `hs-src` when brought up). */
  source: string;
  truth: Truth;
}

export interface LabNode {
  name: string;
  /** 'emulated' is reserved for the userspace router emulator (TUN); `up` refuses it for now. */
  kind?: 'linux' | 'emulated';
  /** sysctl key → value, applied after the lab's defaults. */
  sysctls?: Record<string, string | number>;
  /** Arguments of `ip route add` (IPv4) / `ip -6 route add` (IPv6), one route each. */
  routes4?: string[];
  routes6?: string[];
  /** Arguments of `ip rule add` / `ip -6 rule add`. */
  rules4?: string[];
  rules6?: string[];
  /** Long-running programs started inside the node by `up`, stopped by `down`. */
  services?: LabService[];
  /** An nftables ruleset loaded into the node. */
  nft?: string;
  /** Lines of `tc -batch` run in the node (queueing disciplines, e.g. a TBF shaper on one link). */
  tc?: string[];
}

export interface LabService {
  name: string;
  /** A script under test/lab/services/ and its arguments. */
  script: string;
  args: string[];
}

export interface LinkEnd {
  node: string;
  /** Interface name, at most 15 characters. */
  ifname: string;
  /** Address with prefix length, e.g. 198.18.1.1/24. */
  v4?: string;
  v6?: string;
}

export interface LabLink {
  a: LinkEnd;
  b: LinkEnd;
  mtu?: number;
}

/** A hop without `balancer` has none in front of it. 'per-destination' is for the emulator. */
export type BalancerKind = 'per-flow' | 'per-packet' | 'per-destination';

/** What a correct tool must see from `source` towards one target. */
export interface PathTruth {
  /** Destination address per family (absent: that family is not routed). */
  dst: { v4?: string; v6?: string };
  /** One entry per TTL from 1 up to the destination. */
  hops: HopTruth[];
  /** MDA links (address pairs, per family) between consecutive hops. */
  links?: { v4?: [string, string][]; v6?: [string, string][] };
  /** Path MTU towards dst and the TTL of the hop whose outgoing link shrinks it. */
  pmtu?: { mtu: number; ttl: number };
  /** MPLS tunnels on this path (emulated topologies). */
  mpls?: MplsTunnelTruth[];
  /** What the RTTs along this path must be read as (emulated topologies). */
  latency?: LatencyTruth;
  /** A box rewriting addresses on this path: the TTL where it sits and its address on the path. */
  nat?: { ttl: number; addr: string };
}

/**
 * One LSP as a correct tool must report it. `ttls` are the TTLs (from the source) of the
 * tunnel's hops that answer as part of it (for 'invisible': the egress TTL only, the LSRs
 * being hidden); `hidden` is how many LSRs a tool cannot see (opaque, invisible).
 */
export interface MplsTunnelTruth {
  kind: 'explicit' | 'implicit' | 'opaque' | 'invisible';
  ingressTtl: number;
  egressTtl: number;
  ttls: number[];
  hidden?: number;
  /** Label stacks the LSRs quote (explicit, opaque), by TTL. */
  labels?: Record<number, number[]>;
  /** The LSRs' time-exceeded go to the egress first (RFC 3032 ICMP tunnelling). */
  icmpTunnelled?: boolean;
}

/**
 * `step`: a one-way delay added on the link after hop `ttl`, so every later hop's RTT rises
 * by about `ms` (a path delay located at that hop). `icmpSlowAt`: hops whose ICMP generation
 * alone is slow by about `ms` (a spike at that hop only, not carried to later hops).
 */
export interface LatencyTruth {
  step?: { ttl: number; ms: number };
  icmpSlowAt?: { ttl: number; ms: number }[];
}

export interface HopTruth {
  ttl: number;
  /** Addresses that may answer at this TTL, per family. */
  v4?: string[];
  v6?: string[];
  /** Kind of the balancer that spreads traffic over this hop's addresses, and the balancing node's address. */
  balancer?: { kind: BalancerKind; at: string };
  /**
   * Return hop count of this hop's ICMP as seen at the source (the replying router counts
   * as 1, as in tracepath's `65 - r`) and the initial TTL / hop limit it starts at.
   */
  returnHops?: number;
  initialTtl?: number;
  /** Where the answering addresses at this TTL come back over different lengths: per address. */
  returnHopsByAddr?: Record<string, number>;
  /** This hop rate-limits its ICMP. */
  rateLimited?: boolean;
  /** This hop never answers (filtered). */
  silent?: boolean;
}

export interface Truth {
  paths: PathTruth[];
  /** Where an established TCP session dies (fw-desync), as the TTL of the last hop still passing it. */
  sessionDiesAfterTtl?: number;
  /** The same, with the node that kills it and that node's address on the path. */
  sessionDies?: { ttl: number; node: string; addr: string; reason: string };
  /** Where one flow's packets get out of order (per-packet balancing over branches that queue differently). */
  reorders?: { ttl: number; node: string; addr: string; reason: string };
  notes?: string[];
}
