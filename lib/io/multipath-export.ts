import type { MultipathLink, MultipathResult, ProbeRecord } from '../record';

const tv = (ms: number | null) => (ms === null ? { sec: 0, usec: 0 } : { sec: Math.floor(ms / 1000), usec: Math.round((ms % 1000) * 1000) });

/** scamper's name for the way flows were varied, read from the records' ports. */
function methodOf(result: MultipathResult): string {
  if (result.proto === 'icmp') return 'icmp-echo';
  const flows = result.records.filter((r) => r.flowId !== null);
  const varies = (f: 'sport' | 'dport') => new Set(flows.map((r) => r[f])).size > 1;
  if (result.proto === 'tcp') return 'tcp-sport';
  return varies('dport') && !varies('sport') ? 'udp-dport' : 'udp-sport';
}

function probeJson(r: ProbeRecord): Record<string, unknown> {
  const reply: Record<string, unknown> = { rx: tv(r.sentAt === null || r.rttMs === null ? null : r.sentAt + r.rttMs), ttl: r.replyTtl ?? 0, rtt: r.rttMs ?? 0 };
  if (r.ipVersion === 4 && r.ipId !== null) reply.ipid = r.ipId;
  if (r.tcpFlags !== null) reply.tcp_flags = r.tcpFlags;
  else {
    Object.assign(reply, { icmp_type: r.icmpType ?? 0, icmp_code: r.icmpCode ?? 0, icmp_q_tos: r.quotedTos ?? 0 });
    if (r.quotedTtl !== null) reply.icmp_q_ttl = r.quotedTtl;
  }
  return { tx: tv(r.sentAt), replyc: 1, ttl: r.ttl, attempt: r.attempt, flowid: r.flowId ?? 0, replies: [reply] };
}

/**
 * Each answered record goes under one link into its address (TTL one more than the link's
 * source): the link from where its own flow was one hop earlier, else the first such link.
 * Records at addresses no link leads to (the first hop) and unanswered ones have no place.
 */
function probesByLink(result: MultipathResult): Map<MultipathLink, Record<string, unknown>[]> {
  const out = new Map<MultipathLink, Record<string, unknown>[]>(result.links.map((l) => [l, []]));
  const at = new Map<string, string>();
  for (const r of result.records) if (r.addr !== null && r.flowId !== null && !at.has(`${r.flowId}|${r.ttl}`)) at.set(`${r.flowId}|${r.ttl}`, r.addr);
  for (const r of result.records) {
    if (r.addr === null) continue;
    const into = result.links.filter((l) => l.to === r.addr && l.ttl + 1 === r.ttl);
    const before = r.flowId === null ? undefined : at.get(`${r.flowId}|${r.ttl - 1}`);
    const link = into.find((l) => l.from === before) ?? into[0];
    if (link) out.get(link)!.push(probeJson(r));
  }
  return out;
}

/**
 * A multipath graph as one line of scamper-like `tracelb` JSON (the layout of scamper's
 * own JSON, which `parseScamperJson` reads back): a node per address with outgoing links;
 * each link lists, as scamper does, the probes that found its far end. A record scamper's
 * layout has no place for — first-hop probes, unanswered probes — is not written: the
 * graph (nodes, links, flows, balancers) round-trips, and the other records.
 */
export function toScamperTracelbJson(result: MultipathResult): string {
  const probes = probesByLink(result);
  const bySource = new Map<string, MultipathLink[]>();
  for (const l of result.links) {
    if (!bySource.has(l.from)) bySource.set(l.from, []);
    bySource.get(l.from)!.push(l);
  }
  const firstRecord = result.records.find((r) => r.sentAt !== null) ?? result.records[0];
  const start = result.records.reduce<number | null>((m, r) => (r.sentAt === null ? m : m === null ? r.sentAt : Math.min(m, r.sentAt)), null);
  const flowsOf = result.records.filter((r) => r.flowId !== null);
  const ttls = result.nodes.flatMap((n) => n.ttls);
  const out: Record<string, unknown> = {
    type: 'tracelb', version: '0.1', userid: 0, method: methodOf(result),
    src: firstRecord?.src ?? undefined, dst: result.dst,
    sport: flowsOf[0]?.sport ?? undefined, dport: flowsOf[0]?.dport ?? undefined,
    start: tv(start),
    probe_size: firstRecord?.size ?? 0,
    firsthop: ttls.length ? Math.min(...ttls) : 1,
    attempts: 1, confidence: result.confidence, tos: firstRecord?.tos ?? 0,
    probec: result.probes, nodec: result.nodes.length, linkc: result.links.length,
    nodes: [...bySource].map(([addr, links]) => {
      const entries = links.map((l) => ({ addr: l.to, probes: probes.get(l) }));
      return { addr, q_ttl: 1, linkc: links.length, links: [entries] };
    }),
  };
  if (result.proto === 'icmp') {
    delete out.sport;
    delete out.dport;
  }
  return JSON.stringify(out) + '\n';
}

/** A DOT quoted string; `\n` in labels is DOT's line break, so backslashes pass as they are. */
const dotId = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

/**
 * Graphviz DOT of a multipath graph: one node per address labelled with its TTLs, nodes of a
 * TTL on one rank, links labelled with their flow count; balancers are drawn bold with their
 * class, addresses in a loop anomaly red, the destination double-boxed.
 */
export function toDot(result: MultipathResult, options: { name?: string } = {}): string {
  const lines = [`digraph ${dotId(options.name ?? `multipath ${result.target}`)} {`, '  rankdir=TB;', '  node [shape=box, fontname="monospace"];'];
  const balancers = new Map(result.balancers.map((b) => [b.addr, b]));
  const looped = new Set(result.anomalies.flatMap((a) => (a.kind === 'loop' ? [a.addr] : [])));
  const byTtl = new Map<number, string[]>();
  for (const n of result.nodes) {
    const attrs = [`label=${dotId(`${n.addr}\\nTTL ${n.ttls.join(',')}${balancers.has(n.addr) ? `\\n${balancers.get(n.addr)!.kind} balancer` : ''}`)}`];
    if (balancers.has(n.addr)) attrs.push('style=bold');
    if (looped.has(n.addr)) attrs.push('color=red');
    if (n.addr === result.dst) attrs.push('peripheries=2');
    lines.push(`  ${dotId(n.addr)} [${attrs.join(', ')}];`);
    const ttl = n.ttls[0];
    if (!byTtl.has(ttl)) byTtl.set(ttl, []);
    byTtl.get(ttl)!.push(n.addr);
  }
  for (const [, addrs] of [...byTtl].sort(([a], [b]) => a - b)) lines.push(`  { rank=same; ${addrs.map(dotId).join('; ')}; }`);
  for (const l of result.links) {
    const label = l.flowIds.length ? `${l.flowIds.length} flow${l.flowIds.length === 1 ? '' : 's'}` : '';
    lines.push(`  ${dotId(l.from)} -> ${dotId(l.to)}${label ? ` [label=${dotId(label)}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
