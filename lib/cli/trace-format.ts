import type { ProbeRecord, TraceSummary } from '../record';

/** traceroute's annotation for a reply that is not a plain time-exceeded / arrival. */
export function annotation(r: ProbeRecord): string {
  if (r.kind === 'frag-needed') return r.mtu ? ` !F-${r.mtu}` : ' !F';
  if (r.kind !== 'unreachable' || r.icmpCode === null) return '';
  const c = r.icmpCode;
  if (r.ipVersion === 4) {
    const named: Record<number, string> = { 0: '!N', 1: '!H', 2: '!P', 5: '!S', 9: '!X', 10: '!X', 13: '!X', 14: '!V', 15: '!C' };
    return ` ${named[c] ?? `!${c}`}`;
  }
  const named6: Record<number, string> = { 0: '!N', 1: '!X', 3: '!H', 5: '!X', 6: '!X' };
  return ` ${named6[c] ?? `!${c}`}`;
}

export function formatRtt(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

/**
 * One hop as traceroute prints it: the responder, then its RTTs; a different responder
 * within the hop is printed before its own RTTs; `*` for silence.
 */
export function formatHop(ttl: number, records: readonly ProbeRecord[], nameOf: (addr: string) => string | null, asOf?: (addr: string) => number | null): string {
  const parts: string[] = [];
  let last: string | null = null;
  for (const r of [...records].sort((a, b) => a.attempt - b.attempt)) {
    if (r.addr === null || r.rttMs === null) {
      parts.push('*');
      continue;
    }
    if (r.addr !== last) {
      const name = nameOf(r.addr);
      const as = asOf ? asOf(r.addr) : undefined;
      // traceroute -A: [AS64500], [*] where the address is in no announced prefix.
      parts.push((name ? `${name} (${r.addr})` : r.addr) + (as === undefined ? '' : ` [${as === null ? '*' : `AS${as}`}]`));
      last = r.addr;
    }
    parts.push(formatRtt(r.rttMs) + annotation(r));
  }
  return `${String(ttl).padStart(2)}  ${parts.join('  ')}`;
}

export function formatHeader(target: string, dst: string, maxTtl: number, proto: string, method: string, size: number | null): string {
  return `hopscope trace to ${target} (${dst}), ${maxTtl} hops max, ${proto} ${method}${size ? `, ${size} byte packets` : ''}`;
}

export function formatSummaryLine(s: TraceSummary): string {
  const how = s.stopReason === 'reached' ? `reached in ${s.lastTtl} hops` : `stopped: ${s.stopReason} at TTL ${s.lastTtl}`;
  return `# ${how}, ${s.probesAnswered}/${s.probesSent} probes answered, ${s.durationMs.toFixed(1)} ms`;
}
