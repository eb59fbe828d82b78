import net from 'node:net';
import { classifyBalancers, multipathGraph } from '../analysis/mda';
import { makeRecord, probeFields, type IpVersion, type MultipathLink, type MultipathNode, type MultipathResult, type ProbeRecord } from '../record';
import { isObject, numberOf } from './result';
import { protoOfMethod, scamperReply, type ScamperReplyFields } from './scamper-json';

interface TracelbReply extends ScamperReplyFields {
  rx?: { sec: number; usec: number };
  ttl?: number;
  rtt?: number;
  ipid?: number;
}

interface TracelbProbe {
  tx?: { sec: number; usec: number };
  replyc?: number;
  ttl?: number;
  attempt?: number;
  flowid?: number;
  replies?: TracelbReply[];
}

/** One `{addr, probes}` entry of a tracelb node's links. */
interface TracelbEntry {
  addr?: string;
  probes?: TracelbProbe[];
}

const msOf = (t: { sec: number; usec: number } | undefined): number | null => (t && typeof t.sec === 'number' ? t.sec * 1000 + (t.usec ?? 0) / 1000 : null);

/**
 * A scamper `tracelb` object as a MultipathResult. scamper's JSON lists, per node with
 * outgoing links, either (more than one link) one entry per next hop with the probes that
 * found it, or (one link) the probe sets of each hop of that link up to its far end, where a
 * hop may hold several addresses (scamper keeps a diamond whose branches rejoin at once
 * inside one link) or `*`. Records: every listed probe, one per reply from the entry's
 * address (a probe listed under several addresses answers from each), unanswered when it is
 * listed without a reply; scamper does not list the probes of a hop that stayed silent
 * (`probes` counts them all). Links: scamper's own node-to-next-hop links, plus links
 * between the replies of one flow at consecutive TTLs (which resolve scamper's
 * multi-address hops), with their flows (inferred where one end is the other's only
 * neighbour, when no flow was seen at both ends); nodes carry the TTLs they answered at (a node listed only as a link
 * source gets the TTL before its next hops'). Balancers are classed 'unknown': tracelb
 * does not say per-flow from per-packet. `complete` is true when the destination answered
 * within scamper's probe budget; durationMs runs from `start` to the last probe or reply.
 */
export function tracelbResult(o: Record<string, unknown>, run: string, problems: string[]): MultipathResult | null {
  const dst = o.dst;
  const method = o.method;
  if (typeof dst !== 'string' || !net.isIP(dst) || typeof method !== 'string') {
    problems.push('tracelb without dst / method');
    return null;
  }
  if (o.nodes !== undefined && !Array.isArray(o.nodes)) {
    problems.push('tracelb nodes is not an array');
    return null;
  }
  const ipVersion: IpVersion = net.isIPv6(dst) ? 6 : 4;
  const proto = protoOfMethod(method);
  const src = typeof o.src === 'string' ? o.src : null;
  const sport = numberOf(o.sport);
  const dport = numberOf(o.dport);
  /** probe key -> the probe, and its replies by address. */
  const probes = new Map<string, { p: TracelbProbe; replies: { addr: string; r: TracelbReply }[] }>();
  /** scamper's own links (from a node to each address of the next hop of its link). */
  const structural: { from: string; to: string }[] = [];
  const sourceTtl = new Map<string, number>();
  let latest = msOf(o.start as { sec: number; usec: number } | undefined) ?? 0;

  const take = (value: unknown): string | null => {
    if (!isObject(value) || typeof value.addr !== 'string') throw new Error('a link entry without addr');
    const entry = value as unknown as TracelbEntry & { addr: string };
    if (entry.addr !== '*' && !net.isIP(entry.addr)) throw new Error(`link entry addr ${JSON.stringify(entry.addr)} is not an address`);
    if (entry.probes !== undefined && !Array.isArray(entry.probes)) throw new Error(`link entry ${entry.addr}: probes is not an array`);
    for (const probe of entry.probes ?? []) {
      if (!isObject(probe) || typeof probe.ttl !== 'number' || typeof probe.flowid !== 'number') throw new Error('a probe without ttl / flowid');
      const p = probe as unknown as TracelbProbe;
      if (p.replies !== undefined && !Array.isArray(p.replies)) throw new Error('probe replies is not an array');
      const key = `${p.ttl}|${p.flowid}|${p.attempt ?? 0}|${p.tx?.sec}.${p.tx?.usec}`;
      let got = probes.get(key);
      if (!got) probes.set(key, (got = { p, replies: [] }));
      latest = Math.max(latest, msOf(p.tx) ?? 0);
      for (const r of p.replies ?? []) {
        if (entry.addr === '*') throw new Error('a reply listed under "*"');
        got.replies.push({ addr: entry.addr, r });
        latest = Math.max(latest, msOf(r.rx) ?? 0);
      }
    }
    return entry.addr === '*' ? null : entry.addr;
  };
  const linkAll = (from: string[], to: string[]) => {
    for (const f of from) for (const t of to) structural.push({ from: f, to: t });
  };

  try {
    for (const node of (o.nodes ?? []) as unknown[]) {
      if (!isObject(node) || typeof node.addr !== 'string' || !Array.isArray(node.links)) throw new Error('a node without addr / links');
      const from = node.addr === '*' ? [] : [node.addr];
      const linkc = numberOf(node.linkc) ?? node.links.length;
      const firstTtls: number[] = [];
      if (linkc > 1) {
        // One array: an entry per next hop.
        if (node.links.length !== 1 || !Array.isArray(node.links[0])) throw new Error(`node ${node.addr}: ${linkc} links but not one array of them`);
        for (const e of node.links[0] as TracelbEntry[]) {
          const to = take(e);
          if (to) linkAll(from, [to]);
          firstTtls.push(...(e.probes ?? []).map((p) => p.ttl!));
        }
      } else {
        // One link: an array per hop, several addresses possible at a hop.
        let prev = from;
        for (const [i, set] of (node.links as unknown[]).entries()) {
          if (!Array.isArray(set)) throw new Error(`node ${node.addr}: hop ${i} of its link is not an array`);
          const here = (set as TracelbEntry[]).map(take).filter((a): a is string => a !== null);
          if (i === 0) firstTtls.push(...(set as TracelbEntry[]).flatMap((e) => (e.probes ?? []).map((p) => p.ttl!)));
          if (here.length === 0) continue; // a silent hop: the link goes on past it
          if (prev.length === 1 || here.length === 1) linkAll(prev, here);
          prev = here;
        }
      }
      if (from.length && firstTtls.length) sourceTtl.set(from[0], Math.min(...firstTtls) - 1);
    }
  } catch (err) {
    problems.push((err as Error).message);
    return null;
  }

  const records: ProbeRecord[] = [];
  for (const { p, replies } of probes.values()) {
    const flow = p.flowid!;
    const probe = probeFields({
      ttl: p.ttl!, attempt: p.attempt ?? 0, proto, ipVersion, dst, run, src, flowId: flow,
      sport: method === 'udp-dport' ? sport : proto === 'icmp' ? null : flow,
      dport: method === 'udp-dport' ? flow : proto === 'icmp' ? null : dport,
      tos: numberOf(o.tos), size: numberOf(o.probe_size), sentAt: msOf(p.tx),
    });
    if (replies.length === 0) records.push(makeRecord(probe));
    for (const { addr, r } of replies) records.push(makeRecord(probe, scamperReply(ipVersion, addr, { ...r, reply_ttl: r.ttl, reply_ipid: r.ipid })));
  }
  records.sort((a, b) => a.ttl - b.ttl || (a.sentAt ?? 0) - (b.sentAt ?? 0) || (a.flowId ?? 0) - (b.flowId ?? 0));

  const graph = multipathGraph(records);
  const nodes = new Map<string, MultipathNode>(graph.nodes.map((n) => [n.addr, n]));
  for (const [addr, ttl] of sourceTtl) if (!nodes.has(addr) && ttl >= 1) nodes.set(addr, { addr, ttls: [ttl] });
  const links: MultipathLink[] = [...graph.links];
  for (const { from, to } of structural) {
    if (links.some((l) => l.from === from && l.to === to)) continue;
    const fromTtls = nodes.get(from)?.ttls ?? [];
    const toTtls = nodes.get(to)?.ttls ?? [];
    const ttl = fromTtls.find((t) => toTtls.includes(t + 1)) ?? fromTtls[0];
    if (ttl === undefined) continue;
    links.push({ from, to, ttl, flowIds: [] });
  }
  // A link no flow was seen on at both ends (scamper lists no first-hop probe, nor always
  // probes a flow at both TTLs) still has its flows when one end is the other's only
  // neighbour: every flow that reached a target with one predecessor came through it, and
  // every flow through a source with one successor went on to it.
  const flowsAt = (addr: string, at: number) => [...new Set(records.filter((r) => r.addr === addr && r.ttl === at && r.flowId !== null).map((r) => r.flowId!))];
  for (const l of links) {
    if (l.flowIds.length) continue;
    const into = links.filter((k) => k.to === l.to && k.ttl === l.ttl).length;
    const outOf = links.filter((k) => k.from === l.from && k.ttl === l.ttl).length;
    l.flowIds = (into === 1 ? flowsAt(l.to, l.ttl + 1) : outOf === 1 ? flowsAt(l.from, l.ttl) : []).sort((x, y) => x - y);
  }
  links.sort((a, b) => a.ttl - b.ttl || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const probec = numberOf(o.probec) ?? records.length;
  const probecMax = numberOf(o.probec_max);
  const reached = records.some((r) => r.addr === dst);
  const stopReason: MultipathResult['stopReason'] = probecMax !== null && probec >= probecMax ? 'probe-budget' : reached ? 'complete' : 'max-ttl';
  const start = msOf(o.start as { sec: number; usec: number } | undefined);
  return {
    type: 'multipath', run, target: dst, dst, ipVersion, proto,
    confidence: numberOf(o.confidence) ?? 95,
    nodes: [...nodes.values()].sort((a, b) => a.ttls[0] - b.ttls[0] || a.addr.localeCompare(b.addr)),
    links,
    balancers: classifyBalancers(links, new Map()),
    // scamper's own links (added above) are no false links.
    anomalies: graph.anomalies.filter((a) => a.kind !== 'false-link' || !links.some((l) => l.ttl === a.ttl && l.from === a.from && l.to === a.to)),
    algorithm: 'scamper-tracelb',
    probes: probec,
    durationMs: start === null ? 0 : Math.max(0, latest - start),
    complete: stopReason === 'complete',
    stopReason,
    records,
  };
}
