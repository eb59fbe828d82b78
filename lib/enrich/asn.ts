/** What an AS database says about one address. */
export interface AsnInfo {
  /** The origin AS (the first one when the prefix has several). */
  asn: number;
  /** Every origin: several for a multi-origin prefix (pfx2as `A_B`) or an AS set (`A,B`). */
  origins: number[];
  /** The AS's name where the database has it (MaxMind's autonomous_system_organization). */
  name: string | null;
  /** The most specific prefix holding the address, e.g. 198.18.1.0/24. */
  prefix: string;
}

/** An AS database opened from a file (CAIDA pfx2as or MaxMind MMDB). */
export interface AsnDatabase {
  readonly format: 'pfx2as' | 'mmdb';
  readonly path: string;
  lookup(addr: string): AsnInfo | null;
}

/** A line of an input file that could not be read. */
export interface LineError {
  line: number;
  text: string;
  reason: string;
}

export class EnrichInputError extends Error {
  constructor(
    readonly path: string,
    readonly errors: LineError[],
  ) {
    super(`${path}: ${errors.length} bad line${errors.length > 1 ? 's' : ''}; first at line ${errors[0].line}: ${errors[0].reason} (${JSON.stringify(errors[0].text.slice(0, 80))})`);
    this.name = 'EnrichInputError';
  }
}
