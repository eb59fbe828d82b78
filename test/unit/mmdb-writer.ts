/**
 * A small MaxMind DB writer for tests (the format from https://maxmind.github.io/MaxMind-DB/):
 * an IPv6 search tree (IPv4 under ::/96) or an IPv4 one, 24/28/32-bit records, and a data
 * section of maps, strings and unsigned integers. Nested prefixes are allowed (longest wins).
 * Its output is checked with libmaxminddb's mmdblookup in enrich.test.ts.
 */
import { addrToBytes, addrFamily } from '../../lib/packet/addr';

export type WriterValue = string | number | bigint | WriterValue[] | { [k: string]: WriterValue };

interface TrieNode {
  children: [TrieNode | number | null, TrieNode | number | null]; // number: data offset
}

function encodeSize(type: number, size: number, out: number[]): void {
  const ext = type > 7;
  const ctrl = (ext ? 0 : type << 5);
  let extra: number[] = [];
  let s = size;
  if (size >= 65821) (s = 31), (extra = [((size - 65821) >> 16) & 0xff, ((size - 65821) >> 8) & 0xff, (size - 65821) & 0xff]);
  else if (size >= 285) (s = 30), (extra = [((size - 285) >> 8) & 0xff, (size - 285) & 0xff]);
  else if (size >= 29) (s = 29), (extra = [size - 29]);
  out.push(ctrl | s);
  if (ext) out.push(type - 7);
  out.push(...extra);
}

function uintBytes(n: number | bigint): number[] {
  const bytes: number[] = [];
  let v = BigInt(n);
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return bytes;
}

export function encodeValue(v: WriterValue, out: number[] = [], uintType = 6): number[] {
  if (typeof v === 'string') {
    const b = [...Buffer.from(v, 'utf8')];
    encodeSize(2, b.length, out);
    out.push(...b);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    const b = uintBytes(v);
    encodeSize(typeof v === 'bigint' ? 9 : uintType, b.length, out);
    out.push(...b);
  } else if (Array.isArray(v)) {
    encodeSize(11, v.length, out);
    for (const x of v) encodeValue(x, out);
  } else {
    const entries = Object.entries(v);
    encodeSize(7, entries.length, out);
    for (const [k, x] of entries) {
      encodeValue(k, out);
      encodeValue(x, out, k === 'record_size' || k === 'ip_version' || k.startsWith('binary_format') ? 5 : 6);
    }
  }
  return out;
}

export function writeMmdb(entries: { prefix: string; length: number; data: WriterValue }[], options: { recordSize?: 24 | 28 | 32; ipVersion?: 4 | 6; databaseType?: string } = {}): Buffer {
  const recordSize = options.recordSize ?? 24;
  const ipVersion = options.ipVersion ?? 6;
  const data: number[] = [];
  const root: TrieNode = { children: [null, null] };
  for (const e of [...entries].sort((a, b) => a.length - b.length)) {
    const offset = data.length;
    encodeValue(e.data, data);
    let bytes = addrToBytes(e.prefix);
    let length = e.length;
    if (addrFamily(e.prefix) === 4 && ipVersion === 6) {
      bytes = Uint8Array.from([...new Uint8Array(12), ...bytes]);
      length += 96;
    }
    let node = root;
    for (let i = 0; i < length; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      if (i === length - 1) {
        node.children[bit] = offset;
        break;
      }
      const next = node.children[bit];
      if (next === null || typeof next === 'number') {
        // A longer prefix under a shorter one: the new node inherits the shorter one's data.
        const inherited = typeof next === 'number' ? next : null;
        const child: TrieNode = { children: [inherited, inherited] };
        node.children[bit] = child;
        node = child;
      } else node = next;
    }
  }
  const nodes: TrieNode[] = [];
  const queue: TrieNode[] = [root];
  while (queue.length) {
    const n = queue.shift()!;
    nodes.push(n);
    for (const c of n.children) if (c !== null && typeof c === 'object') queue.push(c);
  }
  const index = new Map(nodes.map((n, i) => [n, i]));
  const nodeCount = nodes.length;
  const recordOf = (c: TrieNode | number | null) => (c === null ? nodeCount : typeof c === 'number' ? nodeCount + 16 + c : index.get(c)!);
  const bytesPerNode = recordSize / 4;
  const tree = Buffer.alloc(nodeCount * bytesPerNode);
  nodes.forEach((n, i) => {
    const [l, r] = n.children.map(recordOf);
    const at = i * bytesPerNode;
    if (recordSize === 24) tree.writeUIntBE(l, at, 3), tree.writeUIntBE(r, at + 3, 3);
    else if (recordSize === 32) tree.writeUInt32BE(l, at), tree.writeUInt32BE(r, at + 4);
    else {
      tree.writeUIntBE(l & 0xffffff, at, 3);
      tree[at + 3] = ((l >> 20) & 0xf0) | ((r >> 24) & 0x0f);
      tree.writeUIntBE(r & 0xffffff, at + 4, 3);
    }
  });
  const metadata = encodeValue({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1795300000n,
    database_type: options.databaseType ?? 'GeoLite2-ASN',
    description: { en: 'hopscope lab test database' },
    ip_version: ipVersion,
    languages: ['en'],
    node_count: nodeCount,
    record_size: recordSize,
  });
  const marker = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);
  return Buffer.concat([tree, Buffer.alloc(16), Buffer.from(data), marker, Buffer.from(metadata)]);
}
