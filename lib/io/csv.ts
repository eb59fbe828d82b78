import type { MplsLabel, ProbeRecord } from '../record';
import { RECORD_FIELDS, recordProblem } from './jsonl';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

/**
 * CSV with the record fields as header. Empty cell = null. The MPLS stack goes in one
 * cell as `label/tc/s/ttl` entries joined by `;` (s is 0 or 1), top of the stack first.
 */
export function mplsToCell(stack: readonly MplsLabel[]): string {
  return stack.map((l) => `${l.label}/${l.tc}/${l.s ? 1 : 0}/${l.ttl}`).join(';');
}

export function mplsFromCell(cell: string): MplsLabel[] | null {
  const out: MplsLabel[] = [];
  for (const part of cell.split(';')) {
    const m = part.match(/^(\d+)\/(\d+)\/([01])\/(\d+)$/);
    if (!m) return null;
    out.push({ label: Number(m[1]), tc: Number(m[2]), s: m[3] === '1', ttl: Number(m[4]) });
  }
  return out;
}

function quote(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(records: Iterable<ProbeRecord>): string {
  const lines = [RECORD_FIELDS.join(',')];
  for (const r of records) {
    lines.push(
      RECORD_FIELDS.map((f) => {
        const v = r[f];
        if (v === null) return '';
        if (f === 'mpls') return quote(mplsToCell(v as MplsLabel[]));
        return quote(String(v));
      }).join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQuotes) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else cur += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

const STRING_FIELDS = new Set(['run', 'proto', 'src', 'dst', 'addr', 'kind']);

export function fromCsv(text: string, options: ImportOptions = {}): ImportResult {
  const sink = new ErrorSink('csv', options);
  const lines = text.split('\n');
  const header = splitCsvLine(lines[0] ?? '');
  const missing = RECORD_FIELDS.filter((f) => !header.includes(f));
  if (missing.length) {
    sink.report({ line: 1, message: `header lacks ${missing.join(', ')}` });
    return { records: [], errors: sink.errors };
  }
  const records: ProbeRecord[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line === '') return;
    const cells = splitCsvLine(line);
    if (cells.length !== header.length) return sink.report({ line: i + 2, message: `${cells.length} cells, header has ${header.length}` });
    const o: Record<string, unknown> = {};
    for (const [j, name] of header.entries()) {
      const cell = cells[j];
      if (cell === '') o[name] = null;
      else if (name === 'mpls') o[name] = mplsFromCell(cell) ?? cell;
      else if (STRING_FIELDS.has(name)) o[name] = cell;
      else o[name] = Number(cell);
    }
    const problem = recordProblem(o) ?? RECORD_FIELDS.filter((f) => typeof o[f] === 'number' && Number.isNaN(o[f])).map((f) => `field ${f} is not a number`)[0] ?? null;
    if (problem) return sink.report({ line: i + 2, message: problem });
    records.push(o as unknown as ProbeRecord);
  });
  return { records, errors: sink.errors };
}
