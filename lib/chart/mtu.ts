import type { ProbeRecord } from '../record';
import { topLevel, TTL_AXIS, type ChartOptions, type VegaLiteSpec } from './spec';

export interface PathMtuOptions extends ChartOptions {
  /** MTU the walk started with (default: the largest probe size among the records). */
  initialMtu?: number;
}

export interface PathMtuStep {
  ttl: number;
  /** Path MTU for probes that travel this far. */
  pmtu: number;
}

export interface PathMtuDrop {
  ttl: number;
  mtu: number;
  /** Router that sent the frag-needed / packet-too-big. */
  addr: string | null;
}

/** Path MTU along the path: for each probed TTL, the smallest next-hop MTU reported at or before it. */
export function pathMtuSteps(records: readonly ProbeRecord[], initialMtu?: number): { start: number | null; steps: PathMtuStep[]; drops: PathMtuDrop[] } {
  const sizes = records.map((r) => r.size).filter((s): s is number => s !== null);
  const start = initialMtu ?? (sizes.length ? sizes.reduce((m, s) => Math.max(m, s), 0) : null);
  const ttls = [...new Set(records.map((r) => r.ttl))].sort((a, b) => a - b);
  const reports = records.filter((r) => r.mtu !== null).sort((a, b) => a.ttl - b.ttl || b.mtu! - a.mtu!);
  const drops: PathMtuDrop[] = [];
  let current = start ?? Infinity;
  for (const r of reports) {
    if (r.mtu! < current) {
      current = r.mtu!;
      drops.push({ ttl: r.ttl, mtu: r.mtu!, addr: r.addr });
    }
  }
  const steps: PathMtuStep[] = [];
  for (const ttl of ttls) {
    let pmtu = start ?? Infinity;
    for (const d of drops) if (d.ttl <= ttl) pmtu = Math.min(pmtu, d.mtu);
    if (Number.isFinite(pmtu)) steps.push({ ttl, pmtu });
  }
  return { start, steps, drops };
}

/**
 * Path MTU along the path (seed 003's `pmtu`): a step line of the largest datagram that gets
 * as far as each TTL, starting from the outgoing MTU, with the routers that reported a
 * smaller next-hop MTU (frag-needed / packet-too-big) marked and named.
 */
export function pathMtuSpec(records: readonly ProbeRecord[], options: PathMtuOptions = {}): VegaLiteSpec {
  const { start, steps, drops } = pathMtuSteps(records, options.initialMtu);
  const ttls = steps.map((s) => s.ttl);
  const x = { field: 'ttl', type: 'quantitative', title: TTL_AXIS.title, axis: { ...TTL_AXIS, ...(ttls.length <= 40 ? { values: ttls } : {}) }, scale: { zero: false, nice: false, padding: 12 } };
  const y = { type: 'quantitative', title: 'path MTU (bytes)', scale: { zero: false, nice: true }, axis: { format: 'd' } };
  const labels = drops.map((d) => ({ ...d, label: `${d.mtu} B${d.addr ? ` from ${d.addr}` : ''}` }));
  const end = steps.length ? steps[steps.length - 1].pmtu : start;
  return topLevel(
    {
      layer: [
        {
          data: { values: steps },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, color: '#1f77b4', point: { size: 30, filled: true, color: '#1f77b4' } },
          encoding: {
            x,
            y: { field: 'pmtu', ...y },
            tooltip: [
              { field: 'ttl', title: 'TTL' },
              { field: 'pmtu', title: 'path MTU (bytes)' },
            ],
          },
        },
        {
          data: { values: labels },
          layer: [
            { mark: { type: 'point', shape: 'triangle-down', size: 120, filled: true, color: '#d62728' }, encoding: { x: { field: 'ttl', type: 'quantitative' }, y: { field: 'mtu', type: 'quantitative' } } },
            {
              mark: { type: 'text', align: 'left', dx: 8, dy: -10, fontSize: 11, color: '#d62728' },
              encoding: { x: { field: 'ttl', type: 'quantitative' }, y: { field: 'mtu', type: 'quantitative' }, text: { field: 'label' } },
            },
          ],
        },
      ],
    },
    {
      title: 'Path MTU along the path',
      subtitle: [`outgoing ${start ?? '?'} B → path MTU ${end ?? '?'} B`, '▼: router that reported a smaller next-hop MTU (frag-needed / packet too big)'],
      description: `path MTU at ${steps.length} TTLs, ${drops.length} drops`,
      width: Math.max(360, Math.min(900, ttls.length * 40)),
      height: 220,
    },
    options,
  );
}
