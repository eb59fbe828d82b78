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

export class ImportFailure extends Error {
  constructor(
    readonly format: string,
    readonly where: ImportError,
  ) {
    super(`${format}: ${where.line !== undefined ? `line ${where.line}` : `item ${where.index}`}: ${where.message}`);
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
