import type { LatencyVerdict, MplsTunnel, NatRewrite } from '../analysis';

/** The MPLS, latency and NAT readings of a path as text lines (path, analyze). */
export function formatReadings(tunnels: readonly MplsTunnel[], verdicts: readonly LatencyVerdict[], nats: readonly NatRewrite[] = []): string[] {
  const lines: string[] = [];
  for (const n of nats) {
    const where = n.after ? `at hop ${n.after.ttl} ${n.after.addr} or just after it` : `before hop ${n.ttl}`;
    lines.push(`nat: ${where}: from hop ${n.ttl} on the probes are quoted from ${n.translatedSrc} (${n.evidence})`);
  }
  for (const t of tunnels) {
    const where = t.ttls.length > 1 ? `hops ${t.ttls[0]}-${t.ttls.at(-1)}` : `hop ${t.ttls[0]}`;
    lines.push(`mpls: ${where} ${t.kind} tunnel${t.hidden ? `, ${t.hidden} hidden LSR${t.hidden > 1 ? 's' : ''}` : ''} (${t.evidence})`);
  }
  for (const v of verdicts) {
    if (v.kind === 'mpls-tunnel') lines.push(`latency: hops ${v.ttls.join(', ')} show the egress's RTT (ICMP tunnelled through the ${v.tunnel} MPLS tunnel): not their own delay`);
    else if (v.kind === 'path-delay') lines.push(`latency: delay step +${v.deltaMs.toFixed(1)} ms at hop ${v.ttl}${v.carriedTo ? ` (persists to hop ${v.carriedTo})` : ' (last hop: unconfirmed)'}: ${v.evidence}`);
    else if (v.kind === 'icmp-slow') lines.push(`latency: hop ${v.ttl} answers slowly (+${v.deltaMs.toFixed(1)} ms, not carried): ICMP generation, not path delay; ${v.evidence}`);
    else lines.push(`latency: hop ${v.ttl} +${v.deltaMs.toFixed(1)} ms, inconclusive: ${v.evidence}`);
  }
  return lines;
}
