import type { MplsLabel } from '../record';
import { internetChecksum } from './checksum';
import { EmitError, fail, ok, type Result } from './errors';
import type { IcmpMessage } from './icmp';

/** RFC 4884 §5: the original datagram is padded to at least 128 bytes when extensions follow. */
export const RFC4884_MIN_ORIGINAL = 128;
const EXT_VERSION = 2;
export const MPLS_CLASS = 1;
export const MPLS_CTYPE = 1;

export interface IcmpExtensionObject {
  classNum: number;
  cType: number;
  payload: Uint8Array;
}

export interface IcmpExtensions {
  /** 'rfc4884': located by the length field; 'legacy': found at offset 128 with length 0. */
  layout: 'rfc4884' | 'legacy';
  checksumValid: boolean;
  objects: IcmpExtensionObject[];
}

/** Splits an error's body into the quoted datagram and the extension structure (if any). */
export interface SplitBody {
  quote: Uint8Array;
  extensions: Result<IcmpExtensions> | null;
}

/** RFC 4884 "length of original datagram" in bytes (0 when absent / legacy); null for types without it. */
export function rfc4884Length(m: Pick<IcmpMessage, 'ipVersion' | 'type' | 'rest'>): number | null {
  // ICMPv4: byte 5 in 32-bit words (dest-unreachable, time-exceeded, parameter problem).
  if (m.ipVersion === 4 && (m.type === 3 || m.type === 11 || m.type === 12)) return ((m.rest >>> 16) & 0xff) * 4;
  // ICMPv6: byte 4 in 64-bit words (dest-unreachable, time-exceeded).
  if (m.ipVersion === 6 && (m.type === 1 || m.type === 3)) return (m.rest >>> 24) * 8;
  return null;
}

export function parseExtensionStructure(b: Uint8Array, layout: IcmpExtensions['layout']): Result<IcmpExtensions> {
  if (b.length < 4) return fail('truncated', 'icmp-ext', `${b.length} bytes, header needs 4`);
  const version = b[0] >> 4;
  if (version !== EXT_VERSION) return fail('bad-version', 'icmp-ext', `version ${version}`);
  const stored = (b[2] << 8) | b[3];
  const checksumValid = stored === 0 || internetChecksum(b) === 0;
  const objects: IcmpExtensionObject[] = [];
  let off = 4;
  while (off < b.length) {
    if (b.length - off < 4) return fail('truncated', 'icmp-ext', `object header at ${off} cut short`);
    const len = (b[off] << 8) | b[off + 1];
    if (len < 4 || off + len > b.length) return fail('bad-length', 'icmp-ext', `object length ${len} at ${off}`);
    objects.push({ classNum: b[off + 2], cType: b[off + 3], payload: b.slice(off + 4, off + len) });
    off += len;
  }
  return ok({ layout, checksumValid, objects });
}

/** Where the quote ends and extensions begin, by RFC 4884 length or the legacy offset 128. */
export function splitErrorBody(m: Pick<IcmpMessage, 'ipVersion' | 'type' | 'rest' | 'body'>): SplitBody {
  const body = m.body;
  const declared = rfc4884Length(m);
  if (declared === null) return { quote: body, extensions: null };
  if (declared > 0) {
    if (declared > body.length) return { quote: body, extensions: fail('bad-length', 'icmp-ext', `original datagram length ${declared} > body ${body.length}`) };
    if (declared === body.length) return { quote: body, extensions: null };
    return { quote: body.subarray(0, declared), extensions: parseExtensionStructure(body.subarray(declared), 'rfc4884') };
  }
  // Routers older than RFC 4884 put the structure at offset 128 and leave the length 0.
  // Accept it only when it looks like one: version 2 and a valid checksum.
  if (body.length >= RFC4884_MIN_ORIGINAL + 8 && body[RFC4884_MIN_ORIGINAL] >> 4 === EXT_VERSION) {
    const ext = body.subarray(RFC4884_MIN_ORIGINAL);
    if (internetChecksum(ext) === 0) {
      return { quote: body.subarray(0, RFC4884_MIN_ORIGINAL), extensions: parseExtensionStructure(ext, 'legacy') };
    }
  }
  return { quote: body, extensions: null };
}

export function parseMplsStack(payload: Uint8Array): Result<MplsLabel[]> {
  if (payload.length % 4 !== 0) return fail('bad-length', 'mpls', `label stack of ${payload.length} bytes`);
  const labels: MplsLabel[] = [];
  for (let i = 0; i < payload.length; i += 4) {
    const w = ((payload[i] << 24) | (payload[i + 1] << 16) | (payload[i + 2] << 8) | payload[i + 3]) >>> 0;
    labels.push({ label: w >>> 12, tc: (w >>> 9) & 7, s: ((w >>> 8) & 1) === 1, ttl: w & 0xff });
  }
  return ok(labels);
}

export function emitMplsStack(labels: readonly MplsLabel[]): Uint8Array {
  const out = new Uint8Array(labels.length * 4);
  const dv = new DataView(out.buffer);
  labels.forEach((l, i) => {
    if (l.label < 0 || l.label > 0xfffff) throw new EmitError('mpls', `label ${l.label} out of 0..1048575`);
    dv.setUint32(i * 4, ((l.label << 12) | ((l.tc & 7) << 9) | (l.s ? 0x100 : 0) | (l.ttl & 0xff)) >>> 0);
  });
  return out;
}

/** The MPLS label stacks of an extension structure, concatenated (normally one object). */
export function mplsLabels(ext: IcmpExtensions): Result<MplsLabel[] | null> {
  const objs = ext.objects.filter((o) => o.classNum === MPLS_CLASS && o.cType === MPLS_CTYPE);
  if (objs.length === 0) return ok(null);
  const all: MplsLabel[] = [];
  for (const o of objs) {
    const r = parseMplsStack(o.payload);
    if (!r.ok) return r;
    all.push(...r.value);
  }
  return ok(all);
}

/** Emits an extension structure with its checksum. */
export function emitExtensionStructure(objects: readonly IcmpExtensionObject[]): Uint8Array {
  const len = 4 + objects.reduce((s, o) => s + 4 + o.payload.length, 0);
  const out = new Uint8Array(len);
  out[0] = EXT_VERSION << 4;
  let off = 4;
  for (const o of objects) {
    const l = 4 + o.payload.length;
    out[off] = l >> 8;
    out[off + 1] = l & 0xff;
    out[off + 2] = o.classNum;
    out[off + 3] = o.cType;
    out.set(o.payload, off + 4);
    off += l;
  }
  const c = internetChecksum(out);
  out[2] = c >> 8;
  out[3] = c & 0xff;
  return out;
}

export function mplsObject(labels: readonly MplsLabel[]): IcmpExtensionObject {
  return { classNum: MPLS_CLASS, cType: MPLS_CTYPE, payload: emitMplsStack(labels) };
}

/** How an ICMP error lays out its quote and extensions (see buildErrorBody). */
export type ExtensionLayout = IcmpExtensions['layout'];

/**
 * The body of an ICMP error with extensions: the quote zero-padded to 128 bytes (and to
 * whole 32-bit / 64-bit words for the length field), then the structure. `lengthField`
 * is the value for ICMPv4 byte 5 / ICMPv6 byte 4: the padded quote in words, or 0 for
 * the legacy layout.
 */
export function buildErrorBody(
  ipVersion: 4 | 6,
  quote: Uint8Array,
  objects: readonly IcmpExtensionObject[] | null,
  layout: ExtensionLayout = 'rfc4884',
): { body: Uint8Array; lengthField: number } {
  if (objects === null) return { body: quote, lengthField: 0 };
  const word = ipVersion === 4 ? 4 : 8;
  if (layout === 'legacy' && quote.length > RFC4884_MIN_ORIGINAL) {
    throw new EmitError('icmp-ext', `legacy layout needs a quote of at most 128 bytes, got ${quote.length}`);
  }
  const padded = Math.max(RFC4884_MIN_ORIGINAL, Math.ceil(quote.length / word) * word);
  if (padded / word > 0xff) throw new EmitError('icmp-ext', `quote of ${quote.length} bytes too long for the length field`);
  const ext = emitExtensionStructure(objects);
  const body = new Uint8Array(padded + ext.length);
  body.set(quote);
  body.set(ext, padded);
  return { body, lengthField: layout === 'legacy' ? 0 : padded / word };
}
