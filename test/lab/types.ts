/** A lab topology: plain data that `labUp` turns into namespaces, veths, routes and rules. */
export interface Topology {
  name: string;
  description: string;
  nodes: LabNode[];
  links: LabLink[];
  /** The node probes are sent from (aliased as namespace `hs-src` when brought up). */
  source: string;
  /** MPLS label-switched paths across emulated routers (test/lab/emu/mpls.ts). */
  lsps?: LspDef[];
  truth: Truth;
}

export interface LabNode {
  name: string;
  /**
   * 'emulated': a router run by the userspace emulator (test/lab/emu), not a namespace. Its
   * links to other emulated nodes exist only inside the emulator; a link between a Linux
   * node and an emulated one is a TUN device on the Linux side (its `ifname`), and the
   * emulator runs in that Linux node's namespace (one such node per topology). Emulated
   * nodes take `routes4`/`routes6` in the `ip route` forms `PREFIX via GW` and
   * `PREFIX nexthop via GW1 nexthop via GW2 ...` (multipath, spread by `emu.balancer`);
   * their connected subnets need no route. sysctls, rules, services, nft and tc do not apply.
   */
  kind?: 'linux' | 'emulated';
  /** Behaviour of an emulated router (kind 'emulated'). */
  emu?: EmuRouter;
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
  /**
   * Emulated links only (both ends emulated, or a TUN link): one-way delay in ms added in
   * each direction, plus a uniform random 0..jitterMs per packet (real timers).
   */
  delayMs?: number;
  jitterMs?: number;
}

/** How an emulated router behaves (all optional; defaults in brackets). */
export interface EmuRouter {
  /** Initial TTL / hop limit of the ICMP errors it sends (time exceeded, unreachable) [255]. 254: Juniper-like. */
  initialTtl?: number;
  /** Initial TTL of its other replies (echo reply, TCP RST / SYN-ACK) [initialTtl]. */
  replyTtl?: number;
  /**
   * Source address of its ICMP errors: 'ingress', the interface the probe came in on
   * [default]; 'return', its interface on the route back to the probe's source (Linux's
   * IPv4 choice: one address per router however many branches lead into it).
   */
  icmpSource?: 'ingress' | 'return';
  /** How multipath routes are spread ['per-flow']: see test/lab/emu/balancer.ts. */
  balancer?: 'per-flow' | 'per-packet' | 'per-destination';
  /** Hash seed of its per-flow / per-destination balancer [0], so routers do not polarize. */
  seed?: number;
  /**
   * Slow path: everything it originates (ICMP errors, echo replies, TCP answers) leaves this
   * many ms later (plus 0..slowPathJitterMs); forwarded traffic is not delayed.
   */
  slowPathMs?: number;
  slowPathJitterMs?: number;
  /** Token bucket over the ICMP errors it sends: `perSec` tokens a second, at most `burst`. */
  icmpRateLimit?: { perSec: number; burst: number };
  /** TCP ports that answer a SYN with a SYN-ACK; other ports answer RST [none]. */
  tcpListen?: number[];
  /** Extra local addresses (loopbacks, a host's several addresses), without prefix length. */
  addresses?: string[];
  /** Never answers anything (forwards only). */
  silent?: boolean;
}

/**
 * An MPLS LSP across emulated routers, for destinations in `fec4`/`fec6`: `path[0]` (ingress
 * LER) pushes, `path[1..n-2]` (LSRs) swap, the last (egress LER) pops — or the penultimate
 * does (`php`). `labels[i]` is the label on the link path[i] -> path[i+1] (unused on the
 * last link with php). The reverse direction is plain IP unless another LSP says otherwise.
 */
export interface LspDef {
  name: string;
  path: string[];
  fec4?: string[];
  fec6?: string[];
  labels: number[];
  /** Uniform TTL model (RFC 3443): IP TTL copied into the label at push and back at pop. Off: pipe model, label TTL 255. */
  ttlPropagate: boolean;
  /** Penultimate hop popping. */
  php: boolean;
  /** LSRs (and a UHP egress) quote the received label stack in their ICMP (RFC 4950). */
  rfc4950: boolean;
  /** RFC 3032 §2.3.2: an LSR's ICMP error goes down the LSP to the egress, which routes it back. */
  icmpTunnel: boolean;
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
  /** The label-stack-entry TTLs quoted with them, by TTL (1 for explicit LSRs; 255 - hidden for an opaque egress). */
  labelTtls?: Record<number, number[]>;
  /** TTL of the IP header quoted in the time-exceeded, by TTL (implicit: 1, 2, 3 ... along the LSRs). */
  quotedTtls?: Record<number, number>;
  /** The LSRs' time-exceeded go to the egress first (RFC 3032 ICMP tunnelling). */
  icmpTunnelled?: boolean;
}

/**
 * `step`: a delay on the link after hop `ttl`, so every later hop's RTT rises by about `ms`
 * (a path delay located at that hop; in the emulator `ms / 2` one way, each direction).
 * `icmpSlowAt`: hops whose ICMP generation alone is slow by about `ms` (a spike at that hop
 * only, not carried to later hops). `jitterMs`: the largest random extra RTT any hop may show.
 * `baseMs`: the RTT every hop shows at least, before the step (links of the emulated part).
 */
export interface LatencyTruth {
  step?: { ttl: number; ms: number };
  icmpSlowAt?: { ttl: number; ms: number }[];
  jitterMs?: number;
  baseMs?: number;
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
