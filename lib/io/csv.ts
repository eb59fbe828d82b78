import type { MplsLabel, ProbeRecord } from '../record';
import { RECORD_FIELDS, recordProblem } from './jsonl';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

/**
 * CSV of probe records (RFC 4180 quoting, LF line ends), header = the record fields in
 * schema order. An empty unquoted cell is null; an empty string is written `""`. Numbers
 * are written as JavaScript prints them (shortest exact form), so they read back exactly.
 * The MPLS stack goes in one cell: entries `label/tc/s/ttl` (s is 0 or 1) joined by `;`,
 * top of the stack first, e.g. `16004/0/0/1;299808/5/1/1`; an empty stack is `[]`.
 */
export function mplsToCell(stack: readonly MplsLabel[]): string {
  return stack.length === 0 ? '[]' : stack.map((l) => `${l.label}/${l.tc}/${l.s ? 1 : 0}/${l.ttl}`).join(';');
}

/** The stack of an MPLS cell, or null when the cell is not in that form. */
export function mplsFromCell(cell: string): MplsLabel[] | null {
  if (cell === '[]') return [];
  const out: MplsLabel[] = [];
  for (const part of cell.split(';')) {
    const m = part.match(/^(\d+)\/(\d+)\/([01])\/(\d+)$/);
    if (!m) return null;
    out.push({ label: Number(m[1]), tc: Number(m[2]), s: m[3] === '1', ttl: Number(m[4]) });
  }
  return out;
}

function quote(v: string): string {
  return v === '' || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
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

interface Cell {
  text: string;
  quoted: boolean;
}

/** Rows of a CSV text with the line each starts on; quoted cells may span lines. */
function* csvRows(text: string): Generator<{ line: number; cells: Cell[] } | { line: number; error: string }> {
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: Cell[] = [];
    let cur: Cell = { text: '', quoted: false };
    let inQuotes = false;
    let ended = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inQuotes) {
        if (c === '"' && text[i + 1] === '"') {
          cur.text += '"';
          i++;
        } else if (c === '"') inQuotes = false;
        else {
          if (c === '\n') line++;
          cur.text += c;
        }
      } else if (c === '"' && cur.text === '' && !cur.quoted) {
        inQuotes = true;
        cur.quoted = true;
      } else if (c === ',') {
        cells.push(cur);
        cur = { text: '', quoted: false };
      } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        i += c === '\r' ? 2 : 1;
        line++;
        ended = true;
        break;
      } else cur.text += c;
    }
    if (inQuotes) {
      yield { line: start, error: 'a quoted cell never closed' };
      return;
    }
    cells.push(cur);
    if (!(cells.length === 1 && cells[0].text === '' && !cells[0].quoted)) yield { line: start, cells };
    if (!ended) return;
  }
}

const STRING_FIELDS = new Set<string>(['run', 'proto', 'src', 'dst', 'addr', 'kind']);

/** Reads CSV written by `toCsv` (columns may come in any order; every record field must be there). */
export function fromCsv(text: string, options: ImportOptions = {}): ImportResult {
  const sink = new ErrorSink('csv', options);
  const records: ProbeRecord[] = [];
  let header: string[] | null = null;
  for (const row of csvRows(text)) {
    if ('error' in row) {
      sink.report({ line: row.line, message: row.error });
      break;
    }
    if (header === null) {
      header = row.cells.map((c) => c.text);
      const missing = RECORD_FIELDS.filter((f) => !header!.includes(f));
      if (missing.length) {
        sink.report({ line: row.line, message: `header lacks ${missing.join(', ')}` });
        return { records, errors: sink.errors };
      }
      continue;
    }
    if (row.cells.length !== header.length) {
      sink.report({ line: row.line, message: `${row.cells.length} cells, header has ${header.length}` });
      continue;
    }
    const o: Record<string, unknown> = {};
    let problem: string | null = null;
    for (const [j, name] of header.entries()) {
      const { text: cell, quoted } = row.cells[j];
      if (cell === '' && !quoted) o[name] = null;
      else if (name === 'mpls') {
        o[name] = mplsFromCell(cell);
        if (o[name] === null) problem ??= `mpls cell ${JSON.stringify(cell)} is not label/tc/s/ttl;…`;
      } else if (name === 'ipVersion' || !STRING_FIELDS.has(name)) {
        o[name] = cell.trim() === '' ? NaN : Number(cell);
        if (Number.isNaN(o[name]) && RECORD_FIELDS.includes(name as keyof ProbeRecord)) problem ??= `field ${name} is not a number: ${JSON.stringify(cell)}`;
      } else o[name] = cell;
    }
    problem ??= recordProblem(o);
    if (problem) {
      sink.report({ line: row.line, message: problem });
      continue;
    }
    records.push(Object.fromEntries(RECORD_FIELDS.map((f) => [f, o[f]])) as unknown as ProbeRecord);
  }
  if (header === null) sink.report({ line: 1, message: 'no header' });
  return { records, errors: sink.errors };
}
