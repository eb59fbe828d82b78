import { readFileSync } from 'node:fs';
import { addrFamily, addrToBytes } from '../packet/addr';
import type { AsnDatabase, AsnInfo } from './asn';
import { maskedPrefix } from './prefix-trie';

/**
 * A reader for MaxMind DB files (https://maxmind.github.io/MaxMind-DB/): the search tree
 * (24-, 28- or 32-bit records), the data section (pointers, maps, arrays, strings, numbers)
 * and the metadata at the end. Read-only, the whole file in memory.
 */

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);
const DATA_SEPARATOR = 16;

export type MmdbValue = string | number | bigint | boolean | Uint8Array | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbMetadata {
  nodeCount: number;
  recordSize: 24 | 28 | 32;
  ipVersion: 4 | 6;
  databaseType: string;
  buildEpoch: number | null;
  raw: Record<string, MmdbValue>;
}

export class MmdbFormatError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: not a valid MaxMind DB file: ${message}`);
    this.name = 'MmdbFormatError';
  }
}

export class MmdbReader {
  readonly metadata: MmdbMetadata;
  private readonly dataStart: number;
  private readonly ipv4Start: { node: number; depth: number };

  constructor(
    private readonly buf: Buffer,
    readonly path = '(buffer)',
  ) {
    const at = buf.lastIndexOf(METADATA_MARKER);
    if (at < 0) throw new MmdbFormatError(path, 'no metadata marker');
    const meta = this.decode(at + METADATA_MARKER.length, at + METADATA_MARKER.length).value;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || meta instanceof Uint8Array) throw new MmdbFormatError(path, 'metadata is not a map');
    const m = meta as Record<string, MmdbValue>;
    const nodeCount = Number(m.node_count);
    const recordSize = Number(m.record_size);
    const ipVersion = Number(m.ip_version);
    if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new MmdbFormatError(path, `node_count ${String(m.node_count)}`);
    if (recordSize !== 24 && recordSize !== 28 && recordSize !== 32) throw new MmdbFormatError(path, `record_size ${String(m.record_size)} (24, 28 or 32)`);
    if (ipVersion !== 4 && ipVersion !== 6) throw new MmdbFormatError(path, `ip_version ${String(m.ip_version)} (4 or 6)`);
    const treeSize = (recordSize / 4) * nodeCount;
    if (treeSize + DATA_SEPARATOR > at) throw new MmdbFormatError(path, 'the search tree is larger than the file');
    this.dataStart = treeSize + DATA_SEPARATOR;
    this.metadata = {
      nodeCount,
      recordSize,
      ipVersion,
      databaseType: typeof m.database_type === 'string' ? m.database_type : '',
      buildEpoch: m.build_epoch === undefined ? null : Number(m.build_epoch),
      raw: m,
    };
    // IPv4 addresses live under ::/96 of an IPv6 tree.
    let node = 0;
    let depth = 0;
    if (ipVersion === 6) for (; depth < 96 && node < nodeCount; depth++) node = this.record(node, 0);
    this.ipv4Start = { node, depth };
  }

  static open(path: string): MmdbReader {
    return new MmdbReader(readFileSync(path), path);
  }

  /** The data record for `addr` and the prefix it was found under; null when there is none. */
  lookup(addr: string): { value: MmdbValue; prefix: string; length: number } | null {
    const family = addrFamily(addr);
    if (family === 0) return null;
    if (family === 6 && this.metadata.ipVersion === 4) return null;
    const bytes = addrToBytes(addr);
    const bits = bytes.length * 8;
    const { nodeCount } = this.metadata;
    let node = family === 4 ? this.ipv4Start.node : 0;
    let i = 0;
    for (; i < bits && node < nodeCount; i++) node = this.record(node, (bytes[i >> 3] >> (7 - (i & 7))) & 1);
    if (node === nodeCount) return null;
    if (node < nodeCount) throw new MmdbFormatError(this.path, `the search tree is deeper than ${bits} bits`);
    const offset = node - nodeCount - DATA_SEPARATOR;
    if (offset < 0 || this.dataStart + offset >= this.buf.length) throw new MmdbFormatError(this.path, `record ${node} points outside the data section`);
    return { value: this.decode(this.dataStart + offset, this.dataStart).value, prefix: maskedPrefix(bytes, i, family), length: i };
  }

  private record(node: number, bit: number): number {
    const b = this.buf;
    const size = this.metadata.recordSize;
    const base = node * (size / 4);
    if (base + size / 4 > this.dataStart) throw new MmdbFormatError(this.path, `node ${node} is outside the search tree`);
    if (size === 24) return b.readUIntBE(base + bit * 3, 3);
    if (size === 32) return b.readUInt32BE(base + bit * 4);
    // 28 bits: the middle byte's high nibble belongs to the left record, its low one to the right.
    const middle = b[base + 3];
    return bit === 0 ? ((middle & 0xf0) << 20) | b.readUIntBE(base, 3) : ((middle & 0x0f) << 24) | b.readUIntBE(base + 4, 3);
  }

  /** Decodes the value at `at`; pointers are relative to `base` (the data section's start). */
  private decode(at: number, base: number, depth = 0): { value: MmdbValue; next: number } {
    const b = this.buf;
    if (depth > 64) throw new MmdbFormatError(this.path, 'data nested more than 64 deep (a pointer loop?)');
    if (at >= b.length) throw new MmdbFormatError(this.path, `data offset ${at} past the end`);
    const control = b[at++];
    let type = control >> 5;
    if (type === 1) {
      const ss = (control >> 3) & 3;
      const v = control & 7;
      let pointer: number;
      if (ss === 0) pointer = (v << 8) | b[at];
      else if (ss === 1) pointer = ((v << 16) | b.readUInt16BE(at)) + 2048;
      else if (ss === 2) pointer = ((v << 24) | b.readUIntBE(at, 3)) + 526336;
      else pointer = b.readUInt32BE(at);
      return { value: this.decode(base + pointer, base, depth + 1).value, next: at + ss + 1 };
    }
    if (type === 0) type = 7 + b[at++];
    let size = control & 0x1f;
    if (type !== 14) {
      if (size === 29) size = 29 + b[at++];
      else if (size === 30) (size = 285 + b.readUInt16BE(at)), (at += 2);
      else if (size === 31) (size = 65821 + b.readUIntBE(at, 3)), (at += 3);
    }
    if (type !== 7 && type !== 11 && type !== 14 && at + size > b.length) throw new MmdbFormatError(this.path, `a value of ${size} bytes runs past the end`);
    switch (type) {
      case 2:
        return { value: b.toString('utf8', at, at + size), next: at + size };
      case 3:
        return { value: b.readDoubleBE(at), next: at + 8 };
      case 4:
        return { value: Uint8Array.from(b.subarray(at, at + size)), next: at + size };
      case 5:
      case 6:
        return { value: size === 0 ? 0 : b.readUIntBE(at, size), next: at + size };
      case 8:
        return { value: size === 0 ? 0 : b.readIntBE(at, size), next: at + size };
      case 9:
      case 10: {
        let v = 0n;
        for (let k = 0; k < size; k++) v = (v << 8n) | BigInt(b[at + k]);
        return { value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v, next: at + size };
      }
      case 7: {
        const map: Record<string, MmdbValue> = {};
        for (let k = 0; k < size; k++) {
          const key = this.decode(at, base, depth + 1);
          if (typeof key.value !== 'string') throw new MmdbFormatError(this.path, 'a map key is not a string');
          const val = this.decode(key.next, base, depth + 1);
          map[key.value] = val.value;
          at = val.next;
        }
        return { value: map, next: at };
      }
      case 11: {
        const list: MmdbValue[] = [];
        for (let k = 0; k < size; k++) {
          const item = this.decode(at, base, depth + 1);
          list.push(item.value);
          at = item.next;
        }
        return { value: list, next: at };
      }
      case 14:
        return { value: size !== 0, next: at };
      case 15:
        return { value: b.readFloatBE(at), next: at + 4 };
      default:
        throw new MmdbFormatError(this.path, `unknown data type ${type}`);
    }
  }
}

/** An ASN database in MaxMind's format: GeoLite2-ASN fields, or `asn` ("AS64500" or a number) as others write it. */
export class MmdbAsn implements AsnDatabase {
  readonly format = 'mmdb';
  constructor(
    readonly reader: MmdbReader,
    readonly path = reader.path,
  ) {}

  static open(path: string): MmdbAsn {
    return new MmdbAsn(MmdbReader.open(path));
  }

  lookup(addr: string): AsnInfo | null {
    const hit = this.reader.lookup(addr);
    if (!hit || typeof hit.value !== 'object' || Array.isArray(hit.value) || hit.value instanceof Uint8Array) return null;
    const v = hit.value as Record<string, MmdbValue>;
    const raw = v.autonomous_system_number ?? v.asn;
    const asn = typeof raw === 'string' ? Number(raw.replace(/^AS/i, '')) : Number(raw);
    if (!Number.isInteger(asn) || asn <= 0) return null;
    const name = v.autonomous_system_organization ?? v.as_name ?? v.name;
    return { asn, origins: [asn], name: typeof name === 'string' ? name : null, prefix: hit.prefix };
  }
}
