import { internetChecksum, pseudoHeader } from './checksum';
import { checkField, EmitError, fail, ok, type Result } from './errors';

export const TCP_HEADER_LEN = 20;
export const IPPROTO_TCP = 6;

/** Flag bits of TcpHeader.flags: byte 13, and the low nibble of byte 12 above it (AE, formerly NS, and 3 reserved bits). */
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, AE: 0x100 } as const;

export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'window-scale'; shift: number }
  | { kind: 'sack-permitted' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'timestamps'; value: number; echo: number }
  | { kind: 'unknown'; type: number; data: Uint8Array }
  /** An option area that does not parse (bad option length), kept raw so the header still decodes. */
  | { kind: 'malformed'; bytes: Uint8Array };

export interface TcpHeader {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  /** Header length in bytes. */
  headerLength: number;
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  options: TcpOption[];
}

export interface TcpSegment {
  header: TcpHeader;
  payload: Uint8Array;
}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

export function parseTcpOptions(b: Uint8Array): Result<TcpOption[]> {
  const opts: TcpOption[] = [];
  let i = 0;
  while (i < b.length) {
    const type = b[i];
    if (type === 0) {
      opts.push({ kind: 'eol' });
      break;
    }
    if (type === 1) {
      opts.push({ kind: 'nop' });
      i++;
      continue;
    }
    if (i + 1 >= b.length) return fail('truncated', 'tcp', `option ${type} has no length`);
    const len = b[i + 1];
    if (len < 2 || i + len > b.length) return fail('bad-length', 'tcp', `option ${type} length ${len}`);
    const d = b.subarray(i + 2, i + len);
    if (type === 2 && len === 4) opts.push({ kind: 'mss', value: (d[0] << 8) | d[1] });
    else if (type === 3 && len === 3) opts.push({ kind: 'window-scale', shift: d[0] });
    else if (type === 4 && len === 2) opts.push({ kind: 'sack-permitted' });
    else if (type === 5 && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let j = 0; j < d.length; j += 8) blocks.push([u32(d, j), u32(d, j + 4)]);
      opts.push({ kind: 'sack', blocks });
    } else if (type === 8 && len === 10) opts.push({ kind: 'timestamps', value: u32(d, 0), echo: u32(d, 4) });
    else opts.push({ kind: 'unknown', type, data: d.slice() });
    i += len;
  }
  return ok(opts);
}

export function emitTcpOptions(opts: readonly TcpOption[]): Uint8Array {
  const bytes: number[] = [];
  const put32 = (v: number) => bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  for (const o of opts) {
    switch (o.kind) {
      case 'eol': bytes.push(0); break;
      case 'nop': bytes.push(1); break;
      case 'mss': bytes.push(2, 4, o.value >> 8, o.value & 0xff); break;
      case 'window-scale': bytes.push(3, 3, o.shift); break;
      case 'sack-permitted': bytes.push(4, 2); break;
      case 'sack': bytes.push(5, 2 + 8 * o.blocks.length); o.blocks.forEach(([l, r]) => { put32(l); put32(r); }); break;
      case 'timestamps': bytes.push(8, 10); put32(o.value); put32(o.echo); break;
      case 'unknown': bytes.push(o.type, 2 + o.data.length, ...o.data); break;
      case 'malformed': bytes.push(...o.bytes); break;
    }
  }
  return Uint8Array.from(bytes);
}

/** Parses a whole TCP header (quotes, which may hold only 8 bytes, are read by quote.ts). */
export function parseTcp(b: Uint8Array): Result<TcpSegment> {
  if (b.length < TCP_HEADER_LEN) return fail('truncated', 'tcp', `${b.length} bytes, header needs 20`);
  const headerLength = (b[12] >> 4) * 4;
  if (headerLength < TCP_HEADER_LEN) return fail('bad-header', 'tcp', `data offset ${headerLength}`);
  if (headerLength > b.length) return fail('truncated', 'tcp', `${b.length} bytes, header says ${headerLength}`);
  const optionBytes = b.subarray(TCP_HEADER_LEN, headerLength);
  const parsed = parseTcpOptions(optionBytes);
  const options: TcpOption[] = parsed.ok ? parsed.value : [{ kind: 'malformed', bytes: optionBytes.slice() }];
  return ok({
    header: {
      sport: (b[0] << 8) | b[1],
      dport: (b[2] << 8) | b[3],
      seq: u32(b, 4),
      ack: u32(b, 8),
      headerLength,
      flags: ((b[12] & 0x0f) << 8) | b[13],
      window: (b[14] << 8) | b[15],
      checksum: (b[16] << 8) | b[17],
      urgent: (b[18] << 8) | b[19],
      options,
    },
    payload: b.subarray(headerLength),
  });
}

export interface TcpInput {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  urgent?: number;
  options?: readonly TcpOption[];
  checksum?: number;
}

/** Sequence arithmetic is modulo 2^32: any integer is taken mod 2^32. */
function seqNumber(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new EmitError('tcp', `${name} ${v} is not an integer`);
  return v >>> 0;
}

export function emitTcp(h: TcpInput, payload: Uint8Array, src: string, dst: string): Uint8Array {
  const optBytes = emitTcpOptions(h.options ?? []);
  const padded = (optBytes.length + 3) & ~3;
  const headerLength = TCP_HEADER_LEN + padded;
  if (headerLength > 60) throw new EmitError('tcp', `options of ${optBytes.length} bytes exceed 40`);
  const out = new Uint8Array(headerLength + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, checkField('tcp', 'source port', h.sport, 0xffff));
  dv.setUint16(2, checkField('tcp', 'destination port', h.dport, 0xffff));
  dv.setUint32(4, seqNumber('seq', h.seq ?? 0));
  dv.setUint32(8, seqNumber('ack', h.ack ?? 0));
  const flags = checkField('tcp', 'flags', h.flags ?? TCP_FLAGS.SYN, 0xfff);
  out[12] = ((headerLength / 4) << 4) | (flags >> 8);
  out[13] = flags & 0xff;
  dv.setUint16(14, checkField('tcp', 'window', h.window ?? 65535, 0xffff));
  dv.setUint16(18, checkField('tcp', 'urgent pointer', h.urgent ?? 0, 0xffff));
  out.set(optBytes, TCP_HEADER_LEN);
  out.set(payload, headerLength);
  dv.setUint16(16, h.checksum ?? internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, out.length), out));
  return out;
}
