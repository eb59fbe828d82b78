import type { HopTruth, LabLink } from '../types';

/**
 * Link between two nodes on subnet number `net` (1..255): IPv4 198.18.<net>.0/24 and
 * IPv6 2001:db8:<net>::/64, `a` gets .1 / ::1 and `b` gets .2 / ::2. Interfaces are
 * named after the neighbour: on `a` "to-<b>", on `b` "to-<a>".
 */
export function link(a: string, b: string, net: number, mtu?: number): LabLink {
  return {
    a: { node: a, ifname: `to-${b}`.slice(0, 15), v4: `198.18.${net}.1/24`, v6: `2001:db8:${net}::1/64` },
    b: { node: b, ifname: `to-${a}`.slice(0, 15), v4: `198.18.${net}.2/24`, v6: `2001:db8:${net}::2/64` },
    mtu,
  };
}

export const v4 = (net: number, host: 1 | 2) => `198.18.${net}.${host}`;
export const v6 = (net: number, host: 1 | 2) => `2001:db8:${net}::${host}`;

/** `ip route` arguments sending each subnet via one gateway (or several, as ECMP nexthops). */
export function routes(family: 4 | 6, nets: number[], gateways: [number, 1 | 2][]): string[] {
  const addr = family === 4 ? v4 : v6;
  const prefix = (n: number) => (family === 4 ? `198.18.${n}.0/24` : `2001:db8:${n}::/64`);
  return nets.map((n) =>
    gateways.length === 1
      ? `${prefix(n)} via ${addr(...gateways[0])}`
      : `${prefix(n)} ${gateways.map((g) => `nexthop via ${addr(...g)}`).join(' ')}`,
  );
}

/** Both families at once. */
export function routes46(nets: number[], gateways: [number, 1 | 2][]): { routes4: string[]; routes6: string[] } {
  return { routes4: routes(4, nets, gateways), routes6: routes(6, nets, gateways) };
}

/** Concatenates route sets of both families. */
export function both(...parts: { routes4: string[]; routes6: string[] }[]): { routes4: string[]; routes6: string[] } {
  return { routes4: parts.flatMap((p) => p.routes4), routes6: parts.flatMap((p) => p.routes6) };
}

/** MDA links of a path whose every hop has one address per family: consecutive pairs. */
export function chainLinks(hops: HopTruth[]): { v4?: [string, string][]; v6?: [string, string][] } {
  const out: { v4?: [string, string][]; v6?: [string, string][] } = {};
  for (const fam of ['v4', 'v6'] as const) {
    const addrs = hops.map((h) => h[fam] ?? []);
    if (addrs.some((a) => a.length !== 1)) continue;
    out[fam] = addrs.slice(1).map((a, i) => [addrs[i][0], a[0]] as [string, string]);
  }
  return out;
}

/** Fills in the usual Linux case: return hops equal to the TTL, initial TTL 64. */
export function symmetric(hops: HopTruth[]): HopTruth[] {
  return hops.map((h) => ({ returnHops: h.ttl, initialTtl: 64, ...h }));
}

/**
 * Per-flow ECMP on a 5-tuple hash, both families, with this router's own hash seed.
 *
 * Policy 3 (custom fields: source and destination address, protocol, source and destination
 * port = 0x37), not policy 1: under policy 1 Linux reuses a hash already carried by the packet
 * (`skb->l4_hash`), and a packet that left a local socket carries that socket's random
 * `sk_txhash` across the veths, so in the lab every new socket (Linux traceroute opens one per
 * probe) or TCP retransmission timeout (which rehashes) would pick a new branch for the same
 * 5-tuple. Policy 3 always hashes the headers, as a real router does. Measured: 40 fixed
 * 5-tuples of `traceroute -U --sport` each split over the branches under policy 1, each kept
 * one path under policy 3.
 *
 * Every lab router shares one kernel: with one seed, a second balancer would split exactly
 * the flows the first already split (polarization) and some links could never be seen.
 */
export function perFlowHash(seed: number): Record<string, number> {
  return {
    'net.ipv4.fib_multipath_hash_policy': 3,
    'net.ipv4.fib_multipath_hash_fields': 0x37,
    'net.ipv6.fib_multipath_hash_policy': 3,
    'net.ipv6.fib_multipath_hash_fields': 0x37,
    'net.ipv4.fib_multipath_hash_seed': seed,
  };
}

/**
 * Per-destination ECMP: the hash covers the source and destination addresses only (policy 3,
 * fields 0x03), so every flow to one address takes one branch whatever its ports (and, over
 * IPv6, its flow label), while other addresses of the same prefix spread.
 */
export function perDestHash(seed: number): Record<string, number> {
  return {
    'net.ipv4.fib_multipath_hash_policy': 3,
    'net.ipv4.fib_multipath_hash_fields': 0x03,
    'net.ipv6.fib_multipath_hash_policy': 3,
    'net.ipv6.fib_multipath_hash_fields': 0x03,
    'net.ipv4.fib_multipath_hash_seed': seed,
  };
}

/**
 * Numbered point-to-point links for generated topologies: link L gets addresses
 * `v4(L, 1)` / `v4(L, 2)` (and v6) on its a and b ends, interfaces lLa / lLb. Returns
 * `connect(a, b)`, which appends the link to `links` and gives back its number.
 */
export function numberedLinks(links: LabLink[], v4: (l: number, end: 1 | 2) => string, v6: (l: number, end: 1 | 2) => string, v4Len = 30, v6Len = 64): (a: string, b: string) => number {
  return (a, b) => {
    const l = links.length;
    links.push({
      a: { node: a, ifname: `l${l}a`, v4: `${v4(l, 1)}/${v4Len}`, v6: `${v6(l, 1)}/${v6Len}` },
      b: { node: b, ifname: `l${l}b`, v4: `${v4(l, 2)}/${v4Len}`, v6: `${v6(l, 2)}/${v6Len}` },
    });
    return l;
  };
}

/** mulberry32: a seeded generator in [0, 1), the same sequence on every machine and run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
