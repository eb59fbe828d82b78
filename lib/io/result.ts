import type { ProbeRecord } from '../record';

/** Where a piece of input was bad, and why. */
export interface ImportError {
  /** 1-based line number (line-oriented formats) or 0-based item index (JSON arrays). */
  line?: number;
  index?: number;
  message: string;
}

export interface ImportOptions {
  /** 'skip' (default): report bad input in `errors` and go on; 'fail': throw on the first. */
  onError?: 'skip' | 'fail';
}

export interface ImportResult {
  records: ProbeRecord[];
  errors: ImportError[];
}

/** The position of an item in its input: a line, or an index into a JSON array. */
export type InputPosition = Pick<ImportError, 'line' | 'index'>;

export function describePosition(where: InputPosition): string {
  return where.line !== undefined ? `line ${where.line}` : `item ${where.index}`;
}

export class ImportFailure extends Error {
  constructor(
    readonly format: string,
    readonly where: ImportError,
  ) {
    super(`${format}: ${describePosition(where)}: ${where.message}`);
    this.name = 'ImportFailure';
  }
}

/** Collects errors per the chosen policy: nothing is dropped without a word. */
export class ErrorSink {
  readonly errors: ImportError[] = [];
  constructor(
    private readonly format: string,
    private readonly options: ImportOptions = {},
  ) {}

  report(where: ImportError): void {
    if (this.options.onError === 'fail') throw new ImportFailure(this.format, where);
    this.errors.push(where);
  }
}

/** Lines of a text without their line ends (LF or CRLF); index i is line i + 1. */
export function textLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * JSON documents of a text that is either one JSON array (each element an item, positioned
 * by index) or one JSON value per line (positioned by line; blank lines ignored), in input
 * order. Unparsable input is reported to the sink where it occurs.
 */
export function* jsonItems(text: string, sink: ErrorSink): Generator<{ value: unknown; where: InputPosition }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let array: unknown;
    try {
      array = JSON.parse(trimmed);
    } catch (err) {
      sink.report({ line: 1, message: `not a JSON array: ${(err as Error).message}` });
      return;
    }
    for (const [index, value] of (array as unknown[]).entries()) yield { value, where: { index } };
    return;
  }
  for (const [i, l] of textLines(text).entries()) {
    if (l.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (err) {
      sink.report({ line: i + 1, message: `not JSON: ${(err as Error).message}` });
      continue;
    }
    yield { value, where: { line: i + 1 } };
  }
}

/** A finite number, or a string holding one (older tools quote their numbers); else null. */
export function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
