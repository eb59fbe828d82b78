import { readFileSync } from 'node:fs';
import { addrFamily } from '../packet/addr';
import { EnrichInputError, type AsnDatabase, type AsnInfo, type LineError } from './asn';
import { PrefixTrie } from './prefix-trie';

export interface Pfx2AsOptions {
  /** 'skip' (default): bad lines are skipped and listed in `errors`; 'fail': the first one throws. */
  onError?: 'skip' | 'fail';
}

interface Entry {
  origins: number[];
}

const MAX_ASN = 4294967295;

/**
 * CAIDA's RouteViews prefix-to-AS files: `prefix<TAB>length<TAB>origin` per line, where the
 * origin is one AS, several origins of a multi-origin prefix joined by `_`, or an AS set
 * joined by `,` (both may appear together). IPv4 and IPv6 files read the same way; `#`
 * comments and blank lines are skipped.
 */
export class Pfx2As implements AsnDatabase {
  readonly format = 'pfx2as';
  private readonly trie = new PrefixTrie<Entry>();
  readonly errors: LineError[] = [];

  private constructor(readonly path: string) {}

  static parse(text: string, path = '(text)', options: Pfx2AsOptions = {}): Pfx2As {
    const db = new Pfx2As(path);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].replace(/\r$/, '');
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const reason = db.addLine(line);
      if (reason === null) continue;
      const error = { line: i + 1, text: raw, reason };
      if (options.onError === 'fail') throw new EnrichInputError(path, [error]);
      db.errors.push(error);
    }
    return db;
  }

  static open(path: string, options: Pfx2AsOptions = {}): Pfx2As {
    return Pfx2As.parse(readFileSync(path, 'utf8'), path, options);
  }

  get size(): number {
    return this.trie.size;
  }

  /** Adds one line; returns why it is bad, or null. */
  private addLine(line: string): string | null {
    const fields = line.split(/\s+/);
    if (fields.length !== 3) return `expected 3 fields (prefix, length, origin), got ${fields.length}`;
    const [prefix, lengthText, originText] = fields;
    const family = addrFamily(prefix);
    if (family === 0) return `prefix ${JSON.stringify(prefix)} is not an IPv4 or IPv6 address`;
    const length = Number(lengthText);
    const bits = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(lengthText) || length > bits) return `prefix length must be an integer from 0 to ${bits}, got ${JSON.stringify(lengthText)}`;
    const origins = originText.split(/[_,]/).map(Number);
    if (origins.length === 0 || origins.some((a, k) => !/^\d+$/.test(originText.split(/[_,]/)[k]) || a < 1 || a > MAX_ASN)) {
      return `origin must be AS numbers (1 to ${MAX_ASN}) joined by _ or ,, got ${JSON.stringify(originText)}`;
    }
    this.trie.insert(prefix, length, { origins: [...new Set(origins)] });
    return null;
  }

  lookup(addr: string): AsnInfo | null {
    const hit = this.trie.lookup(addr);
    if (!hit) return null;
    return { asn: hit.value.origins[0], origins: hit.value.origins, name: null, prefix: hit.prefix };
  }
}
