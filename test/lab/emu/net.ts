// The emulated part of a topology as the emulator sees it: routers with interfaces, the
// links between them (or to a TUN device on the Linux side) and parsed routes.
import { addrToBytes } from '../../../lib/packet';
import type { EmuRouter, LspDef, Topology } from '../types';

export interface Address {
  family: 4 | 6;
  addr: string;
  bytes: Uint8Array;
  prefixLen: number;
}

/** Where an interface's packets go: another emulated router's interface, or a TUN device. */
export type Peer = { kind: 'emu'; router: string; ifname: string } | { kind: 'tun'; tun: string };

export interface Iface {
  name: string;
  addrs: Address[];
  peer: Peer;
  delayMs: number;
  jitterMs: number;
}

export interface Route {
  family: 4 | 6;
  prefix: Uint8Array;
  prefixLen: number;
  gateways: string[];
}

export interface EmuNode {
  name: string;
  emu: EmuRouter;
  ifaces: Map<string, Iface>;
  routes: Route[];
  /** Every local address (interfaces and emu.addresses), text form. */
  local: Set<string>;
}

/** A TUN link: the Linux node's TUN device and the emulated router interface at its other end. */
export interface TunLink {
  tun: string;
  router: string;
  ifname: string;
}

export interface EmuNet {
  nodes: Map<string, EmuNode>;
  tuns: TunLink[];
  /** The Linux node whose namespace holds the TUN devices (and the emulator). */
  border: string | null;
  lsps: Lsp[];
}

/** An LSP with its FECs parsed. */
export interface Lsp {
  def: LspDef;
  fecs: Address[];
}

function parseAddress(cidr: string): Address {
  const [addr, len] = cidr.split('/');
  const bytes = addrToBytes(addr);
  if (!bytes) throw new Error(`emulator: bad address ${cidr}`);
  const family = bytes.length === 4 ? 4 : 6;
  return { family, addr, bytes, prefixLen: len === undefined ? bytes.length * 8 : Number(len) };
}

/** `PREFIX via GW` or `PREFIX nexthop via GW1 nexthop via GW2 ...`. */
export function parseRoute(spec: string): Route {
  const words = spec.trim().split(/\s+/);
  const prefix = parseAddress(words[0] === 'default' ? (spec.includes(':') ? '::/0' : '0.0.0.0/0') : words[0]);
  const gateways: string[] = [];
  for (let i = 1; i < words.length; i++) if (words[i] === 'via' && words[i + 1]) gateways.push(words[++i]);
  if (!gateways.length) throw new Error(`emulator: route ${JSON.stringify(spec)} names no gateway (use "via")`);
  return { family: prefix.family, prefix: prefix.bytes, prefixLen: prefix.prefixLen, gateways };
}

export function inPrefix(addr: Uint8Array, prefix: Uint8Array, prefixLen: number): boolean {
  if (addr.length !== prefix.length) return false;
  for (let bit = 0; bit < prefixLen; bit += 8) {
    const take = Math.min(8, prefixLen - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((addr[bit / 8] & mask) !== (prefix[bit / 8] & mask)) return false;
  }
  return true;
}

export function buildEmuNet(topo: Topology): EmuNet {
  const emulated = new Set(topo.nodes.filter((n) => n.kind === 'emulated').map((n) => n.name));
  const nodes = new Map<string, EmuNode>();
  for (const n of topo.nodes) {
    if (!emulated.has(n.name)) continue;
    const routes = [...(n.routes4 ?? []), ...(n.routes6 ?? [])].map(parseRoute);
    const local = new Set((n.emu?.addresses ?? []).map((a) => parseAddress(a).addr));
    nodes.set(n.name, { name: n.name, emu: n.emu ?? {}, ifaces: new Map(), routes, local });
  }
  const tuns: TunLink[] = [];
  const borders = new Set<string>();
  for (const l of topo.links) {
    const ends = [l.a, l.b];
    for (const [me, other] of [ends, [l.b, l.a]]) {
      const node = nodes.get(me.node);
      if (!node) continue;
      const addrs = [me.v4, me.v6].filter((a): a is string => !!a).map(parseAddress);
      for (const a of addrs) node.local.add(a.addr);
      const peer: Peer = emulated.has(other.node) ? { kind: 'emu', router: other.node, ifname: other.ifname } : { kind: 'tun', tun: other.ifname };
      if (peer.kind === 'tun') {
        tuns.push({ tun: other.ifname, router: me.node, ifname: me.ifname });
        borders.add(other.node);
      }
      node.ifaces.set(me.ifname, { name: me.ifname, addrs, peer, delayMs: l.delayMs ?? 0, jitterMs: l.jitterMs ?? 0 });
    }
  }
  if (borders.size > 1) throw new Error(`${topo.name}: emulated routers border several Linux nodes (${[...borders].join(', ')}); the emulator serves one`);
  const lsps = (topo.lsps ?? []).map((def) => {
    for (const hop of def.path) if (!nodes.has(hop)) throw new Error(`${topo.name}: LSP ${def.name} crosses ${hop}, which is not emulated`);
    const short = def.path.length - 1 - (def.php ? 1 : 0);
    if (def.labels.length < short) throw new Error(`${topo.name}: LSP ${def.name} needs ${short} labels`);
    return { def, fecs: [...(def.fec4 ?? []), ...(def.fec6 ?? [])].map(parseAddress) };
  });
  return { nodes, tuns, border: [...borders][0] ?? null, lsps };
}
