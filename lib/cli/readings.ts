import type { LatencyVerdict, MplsTunnel } from '../analysis';

/** The MPLS and latency readings of a path as text lines (path, analyze). */
export function formatReadings(tunnels: readonly MplsTunnel[], verdicts: readonly LatencyVerdict[]): string[] {
  const lines: string[] = [];
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
