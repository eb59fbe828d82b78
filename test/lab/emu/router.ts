// The emulated routers at work: a packet arrives on an interface at emulated time `t`, is
// answered (local, TTL expired) or forwarded by longest-prefix match, crossing links after
// their one-way delay; packets reaching a TUN link leave through `out`.
import { addrToBytes, internetChecksum, mplsObject, parseIpv4, parseIpv6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../../lib/packet';
import { echoReply, icmpError, tcpAnswer, type ErrorKind } from './answers';
import { Balancer } from './balancer';
import { TokenBucket } from './bucket';
import { jittered, type Scheduler } from './delay';
import type { MplsLabel } from '../../../lib/record';
import { inPrefix, type EmuNet, type EmuNode, type Iface, type Lsp, type Route } from './net';

export interface EmuCounters {
  received: number;
  forwarded: number;
  originated: number;
  malformed: number;
  noRoute: number;
  rateLimited: number;
  /** Packets dropped because a path looped past the hop bound (a routing mistake in a topology). */
  looped: number;
}

/** A decoded packet as the forwarding path needs it. */
interface Datagram {
  family: 4 | 6;
  bytes: Uint8Array;
  src: string;
  dst: string;
  ttl: number;
  protocol: number;
  /** Transport bytes (first fragment only for IPv4). */
  l4: Uint8Array;
}

/** Hops a packet may take inside the emulator: bounds any forwarding loop a topology might contain. */
const MAX_INTERNAL_HOPS = 512;

function decode(bytes: Uint8Array): Datagram | null {
  const version = bytes[0] >> 4;
  if (version === 4) {
    const p = parseIpv4(bytes);
    if (!p.ok || p.value.truncated || !p.value.checksumValid) return null;
    const h = p.value.header;
    return { family: 4, bytes: bytes.subarray(0, h.totalLength), src: h.src, dst: h.dst, ttl: h.ttl, protocol: h.protocol, l4: h.fragOffset ? new Uint8Array(0) : p.value.payload };
  }
  if (version === 6) {
    const p = parseIpv6(bytes);
    if (!p.ok || p.value.truncated) return null;
    const h = p.value.header;
    return { family: 6, bytes: bytes.subarray(0, 40 + h.payloadLength), src: h.src, dst: h.dst, ttl: h.hopLimit, protocol: p.value.protocol, l4: p.value.payload };
  }
  return null;
}

/** A copy with TTL / hop limit one less (IPv4 header checksum recomputed). */
export function decrementTtl(d: Datagram): Uint8Array {
  return withTtl(d, d.ttl - 1);
}

/** A copy with TTL / hop limit `ttl`. */
export function withTtl(d: Datagram, ttl: number): Uint8Array {
  const out = d.bytes.slice();
  if (d.family === 6) {
    out[7] = ttl;
    return out;
  }
  out[8] = ttl;
  out[10] = out[11] = 0;
  const c = internetChecksum(out.subarray(0, (out[0] & 0x0f) * 4));
  out[10] = c >> 8;
  out[11] = c & 0xff;
  return out;
}

interface RouterState {
  node: EmuNode;
  balancer: Balancer;
  bucket: TokenBucket | null;
  ipId: number;
}

export class Emulator {
  readonly counters: EmuCounters = { received: 0, forwarded: 0, originated: 0, malformed: 0, noRoute: 0, rateLimited: 0, looped: 0 };
  private routers = new Map<string, RouterState>();

  constructor(
    private readonly net: EmuNet,
    private readonly scheduler: Scheduler,
    private readonly out: (tun: string, packet: Uint8Array) => void,
    private readonly random: () => number = Math.random,
  ) {
    for (const node of net.nodes.values()) {
      const rl = node.emu.icmpRateLimit;
      this.routers.set(node.name, {
        node,
        balancer: new Balancer(node.emu.balancer ?? 'per-flow', node.emu.seed ?? 0),
        bucket: rl ? new TokenBucket(rl.perSec, rl.burst, scheduler.now()) : null,
        ipId: 1,
      });
    }
  }

  /** A packet the Linux side wrote into TUN device `tun`. */
  fromTun(tun: string, packet: Uint8Array): void {
    const link = this.net.tuns.find((l) => l.tun === tun);
    if (!link) return;
    this.arrive(link.router, link.ifname, packet, this.scheduler.now(), 0);
  }

  /** Every packet's way in: whatever a packet makes the codecs throw is counted, never the emulator's end. */
  private arrive(routerName: string, ifname: string, packet: Uint8Array, t: number, hops: number, stack: MplsLabel[] = []): void {
    try {
      this.handle(routerName, ifname, packet, t, hops, stack);
    } catch {
      this.counters.malformed++;
    }
  }

  private handle(routerName: string, ifname: string, packet: Uint8Array, t: number, hops: number, stack: MplsLabel[]): void {
    this.counters.received++;
    const r = this.routers.get(routerName)!;
    const d = decode(packet);
    if (!d) {
      this.counters.malformed++;
      return;
    }
    if (hops > MAX_INTERNAL_HOPS) {
      this.counters.looped++;
      return;
    }
    const ingress = r.node.ifaces.get(ifname)!;
    if (stack.length) return this.switchLabelled(r, ingress, d, stack, t, hops);
    this.routeIp(r, ingress, d, t, hops, null);
  }

  /** IP processing; `popped`: the label stack an egress just removed (quoted in its errors per RFC 4950). */
  private routeIp(r: RouterState, ingress: Iface, d: Datagram, t: number, hops: number, popped: { stack: MplsLabel[]; lsp: Lsp } | null): void {
    if (r.node.local.has(d.dst)) return this.answerLocal(r, ingress, d, t, hops);
    if (d.ttl <= 1) return this.sendError(r, ingress, d, 'time-exceeded', t, hops, undefined, popped?.lsp.def.rfc4950 ? popped.stack : null);
    const lsp = this.net.lsps.find((l) => l.def.path[0] === r.node.name && l.fecs.some((f) => f.family === d.family && inPrefix(addrToBytes(d.dst), f.bytes, f.prefixLen)));
    if (lsp) {
      // Ingress LER: push (uniform model: the decremented IP TTL into the label; pipe: 255).
      const label: MplsLabel = { label: lsp.def.labels[0], tc: 0, s: true, ttl: lsp.def.ttlPropagate ? d.ttl - 1 : 255 };
      return this.alongLsp(r, lsp, 0, decrementTtl(d), [label], t, hops);
    }
    this.forward(r, d, decrementTtl(d), t, hops);
  }

  /** Sends `bytes` from path[i] to path[i + 1] of `lsp`, under `stack` (none when popped). */
  private alongLsp(r: RouterState, lsp: Lsp, i: number, bytes: Uint8Array, stack: MplsLabel[], t: number, hops: number): void {
    const next = lsp.def.path[i + 1];
    const iface = [...r.node.ifaces.values()].find((f) => f.peer.kind === 'emu' && f.peer.router === next);
    if (!iface) {
      this.counters.noRoute++;
      return;
    }
    this.counters.forwarded++;
    this.transmit(iface, bytes, t, hops, stack);
  }

  /** An LSR (or egress LER) receiving a labelled packet: swap, pop (PHP / egress) or answer its expiry. */
  private switchLabelled(r: RouterState, ingress: Iface, d: Datagram, stack: MplsLabel[], t: number, hops: number): void {
    const top = stack[0];
    const lsp = this.net.lsps.find((l) => l.def.path.indexOf(r.node.name) > 0 && l.def.labels[l.def.path.indexOf(r.node.name) - 1] === top.label);
    if (!lsp) {
      this.counters.noRoute++;
      return;
    }
    const { def } = lsp;
    const i = def.path.indexOf(r.node.name);
    const n = def.path.length;
    if (i === n - 1) {
      // Egress LER (no PHP): pop; uniform model, the label's TTL becomes the IP TTL.
      const bytes = def.ttlPropagate ? withTtl(d, top.ttl) : d.bytes;
      return this.routeIp(r, ingress, decode(bytes)!, t, hops, { stack, lsp });
    }
    if (top.ttl <= 1) return this.lsrTimeExceeded(r, ingress, d, stack, lsp, i, t, hops);
    const ttl = top.ttl - 1;
    if (def.php && i === n - 2) {
      const bytes = def.ttlPropagate ? withTtl(d, ttl) : d.bytes;
      return this.alongLsp(r, lsp, i, bytes, [], t, hops);
    }
    this.alongLsp(r, lsp, i, d.bytes, [{ ...top, label: def.labels[i], ttl }], t, hops);
  }

  /**
   * An LSR's time exceeded for the packet inside: the received stack quoted per RFC 4950 when
   * the LSP says so; with ICMP tunnelling it goes on down the LSP to the egress, which routes it back.
   */
  private lsrTimeExceeded(r: RouterState, ingress: Iface, d: Datagram, stack: MplsLabel[], lsp: Lsp, i: number, t: number, hops: number): void {
    const { def } = lsp;
    if (!def.icmpTunnel) return this.sendError(r, ingress, d, 'time-exceeded', t, hops, undefined, def.rfc4950 ? stack : null);
    if (r.node.emu.silent || isIcmpErrorDatagram(d) || (r.bucket && !r.bucket.take(t))) return;
    const from = this.addressOf(ingress, d.family);
    if (!from) return;
    const packet = icmpError({ family: d.family, src: from, dst: d.src, ttl: r.node.emu.initialTtl ?? 255 }, 'time-exceeded', d.bytes, def.rfc4950 ? [mplsObject(stack)] : null, this.nextId(r));
    const down = def.php && i === def.path.length - 2 ? [] : [{ label: def.labels[i], tc: 0, s: true, ttl: 255 }];
    this.counters.originated++;
    this.alongLsp(r, lsp, i, packet, down, t + this.slowPath(r), hops);
  }

  private lookup(node: EmuNode, family: 4 | 6, dst: Uint8Array): Route | null {
    let best: Route | null = null;
    for (const route of node.routes) if (route.family === family && inPrefix(dst, route.prefix, route.prefixLen) && (!best || route.prefixLen > best.prefixLen)) best = route;
    return best;
  }

  /** The interface leading to `dst`: on-link, or towards the gateway the route (and balancer) picks. */
  private egress(r: RouterState, d: Datagram): Iface | null {
    const dst = addrToBytes(d.dst);
    const onLink = (a: Uint8Array) => [...r.node.ifaces.values()].find((i) => i.addrs.some((x) => x.family === d.family && inPrefix(a, x.bytes, x.prefixLen)));
    const direct = onLink(dst);
    if (direct) return direct;
    const route = this.lookup(r.node, d.family, dst);
    if (!route) return null;
    const pick = r.balancer.pick(route.gateways.length, { src: addrToBytes(d.src), dst, proto: d.protocol, l4: d.l4.subarray(0, 4) });
    return onLink(addrToBytes(route.gateways[pick])) ?? null;
  }

  private forward(r: RouterState, d: Datagram, bytes: Uint8Array, t: number, hops: number): void {
    const iface = this.egress(r, d);
    if (!iface) {
      this.counters.noRoute++;
      return;
    }
    this.counters.forwarded++;
    this.transmit(iface, bytes, t, hops);
  }

  /** Puts a packet on the link behind `iface`: it reaches the other end after the link's delay. */
  private transmit(iface: Iface, bytes: Uint8Array, t: number, hops: number, stack: MplsLabel[] = []): void {
    const at = t + jittered(iface.delayMs, iface.jitterMs, this.random);
    const peer = iface.peer;
    this.scheduler.at(at, () => {
      if (peer.kind === 'tun') this.out(peer.tun, bytes);
      else this.arrive(peer.router, peer.ifname, bytes, at, hops + 1, stack);
    });
  }

  private slowPath(r: RouterState): number {
    return r.node.emu.slowPathMs ? jittered(r.node.emu.slowPathMs, r.node.emu.slowPathJitterMs ?? 0, this.random) : 0;
  }

  /** Sends a packet this router made, after its slow path. */
  private originate(r: RouterState, family: 4 | 6, make: (src: string | null) => Uint8Array | null, src: string | null, t: number, hops: number): void {
    if (r.node.emu.silent) return;
    const packet = make(src);
    if (!packet) return;
    const d = decode(packet)!;
    const iface = this.egress(r, d);
    if (!iface) {
      this.counters.noRoute++;
      return;
    }
    this.counters.originated++;
    this.transmit(iface, packet, t + this.slowPath(r), hops);
  }

  private addressOf(iface: Iface | null | undefined, family: 4 | 6): string | null {
    return iface?.addrs.find((a) => a.family === family)?.addr ?? null;
  }

  private errorSource(r: RouterState, ingress: Iface, d: Datagram): string | null {
    if (r.node.emu.icmpSource === 'return') {
      const back = this.egress(r, { ...d, dst: d.src, src: d.dst });
      return this.addressOf(back, d.family) ?? this.addressOf(ingress, d.family);
    }
    return this.addressOf(ingress, d.family);
  }

  private sendError(r: RouterState, ingress: Iface, d: Datagram, kind: ErrorKind, t: number, hops: number, src?: string, quotedStack: MplsLabel[] | null = null): void {
    if (r.node.emu.silent || isIcmpErrorDatagram(d)) return;
    if (r.bucket && !r.bucket.take(t)) {
      this.counters.rateLimited++;
      return;
    }
    const from = src ?? this.errorSource(r, ingress, d);
    if (!from) return;
    const ttl = r.node.emu.initialTtl ?? 255;
    this.originate(r, d.family, () => icmpError({ family: d.family, src: from, dst: d.src, ttl }, kind, d.bytes, quotedStack ? [mplsObject(quotedStack)] : null, this.nextId(r)), from, t, hops);
  }

  private nextId(r: RouterState): number {
    r.ipId = (r.ipId + 1) & 0xffff;
    return r.ipId;
  }

  private answerLocal(r: RouterState, ingress: Iface, d: Datagram, t: number, hops: number): void {
    const ttl = r.node.emu.replyTtl ?? r.node.emu.initialTtl ?? 255;
    const o = { family: d.family, src: d.dst, dst: d.src, ttl };
    const echoType = d.family === 4 ? 8 : 128;
    if ((d.protocol === IPPROTO_ICMP && d.family === 4) || (d.protocol === IPPROTO_ICMPV6 && d.family === 6)) {
      if (d.l4.length >= 8 && d.l4[0] === echoType) this.originate(r, d.family, () => echoReply(o, d.l4, this.nextId(r)), d.dst, t, hops);
      return;
    }
    if (d.protocol === IPPROTO_UDP) return this.sendError(r, ingress, d, 'port-unreachable', t, hops, d.dst);
    if (d.protocol === IPPROTO_TCP) {
      const listening = (r.node.emu.tcpListen ?? []).includes(d.l4.length >= 4 ? (d.l4[2] << 8) | d.l4[3] : -1);
      this.originate(r, d.family, () => tcpAnswer(o, d.l4, listening, this.nextId(r)), d.dst, t, hops);
    }
  }
}

/** Routers never answer an ICMP error with another. */
function isIcmpErrorDatagram(d: Datagram): boolean {
  if (d.l4.length < 1) return false;
  if (d.family === 4) return d.protocol === IPPROTO_ICMP && [3, 4, 5, 11, 12].includes(d.l4[0]);
  return d.protocol === IPPROTO_ICMPV6 && d.l4[0] < 128;
}
