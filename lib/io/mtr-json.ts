import net from 'node:net';
import { ErrorSink, type ImportError, type ImportOptions } from './result';

/** One hop of an mtr report: aggregates only (mtr --json keeps no per-probe data). */
export interface MtrHop {
  ttl: number;
  /** null for mtr's `???` (no reply). */
  host: string | null;
  lossPct: number;
  sent: number;
  lastMs: number;
  avgMs: number;
  bestMs: number;
  worstMs: number;
  stdevMs: number;
}

export interface MtrReport {
  src: string | null;
  dst: string;
  tests: number;
  packetSize: number | null;
  hops: MtrHop[];
  errors: ImportError[];
}

/**
 * `mtr --json` reports. mtr keeps per-hop aggregates, not probes, so they stay a per-hop
 * table here: turning them into probe records would invent RTTs that were never measured.
 */
export function parseMtrJson(text: string, options: ImportOptions = {}): MtrReport {
  const sink = new ErrorSink('mtr', options);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    sink.report({ line: 1, message: `not JSON: ${(err as Error).message}` });
    return { src: null, dst: '', tests: 0, packetSize: null, hops: [], errors: sink.errors };
  }
  const report = (doc as { report?: { mtr?: Record<string, unknown>; hubs?: unknown[] } }).report;
  if (!report?.mtr || !Array.isArray(report.hubs)) {
    sink.report({ index: 0, message: 'no report.mtr / report.hubs' });
    return { src: null, dst: '', tests: 0, packetSize: null, hops: [], errors: sink.errors };
  }
  const hops: MtrHop[] = [];
  report.hubs.forEach((h, index) => {
    const o = h as Record<string, unknown>;
    const nums = ['count', 'Loss%', 'Snt', 'Last', 'Avg', 'Best', 'Wrst', 'StDev'];
    const bad = nums.find((k) => typeof o[k] !== 'number');
    if (bad || typeof o.host !== 'string') return sink.report({ index, message: `hub lacks ${bad ?? 'host'}` });
    hops.push({
      ttl: o.count as number,
      host: net.isIP(o.host) ? o.host : null,
      lossPct: o['Loss%'] as number,
      sent: o.Snt as number,
      lastMs: o.Last as number,
      avgMs: o.Avg as number,
      bestMs: o.Best as number,
      worstMs: o.Wrst as number,
      stdevMs: o.StDev as number,
    });
  });
  const m = report.mtr;
  return {
    src: typeof m.src === 'string' ? m.src : null,
    dst: String(m.dst ?? ''),
    tests: Number(m.tests ?? 0),
    packetSize: m.psize === undefined ? null : Number(m.psize),
    hops,
    errors: sink.errors,
  };
}
