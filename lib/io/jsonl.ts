import { REPLY_FIELDS, type ProbeRecord } from '../record';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

/** Every field of a probe record with the JSON types it may hold. */
const FIELD_TYPES: Record<keyof ProbeRecord, readonly string[]> = {
  run: ['string', 'null'], round: ['number', 'null'], ttl: ['number'], attempt: ['number'], proto: ['string'],
  ipVersion: ['number'], src: ['string', 'null'], dst: ['string'], sport: ['number', 'null'], dport: ['number', 'null'],
  flowLabel: ['number', 'null'], flowId: ['number', 'null'], probeId: ['number', 'null'], probeIpId: ['number', 'null'],
  tos: ['number', 'null'], size: ['number', 'null'], sentAt: ['number', 'null'], addr: ['string', 'null'], kind: ['string', 'null'],
  icmpType: ['number', 'null'], icmpCode: ['number', 'null'], rttMs: ['number', 'null'], replyTtl: ['number', 'null'],
  quotedTtl: ['number', 'null'], ipId: ['number', 'null'], mpls: ['object', 'null'], replySize: ['number', 'null'],
  mtu: ['number', 'null'], quotedIpId: ['number', 'null'], quotedChecksum: ['number', 'null'], quotedTos: ['number', 'null'],
  quotedSrc: ['string', 'null'], quotedSport: ['number', 'null'], tcpFlags: ['number', 'null'],
};

/** Fields added after the first files were written: absent in those, read as null. */
const ADDED_FIELDS: readonly (keyof ProbeRecord)[] = ['quotedSrc', 'quotedSport'];

export const RECORD_FIELDS = Object.keys(FIELD_TYPES) as (keyof ProbeRecord)[];

/** Why a value is not a probe record, or null when it is one. */
export function recordProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not an object';
  const o = x as Record<string, unknown>;
  for (const f of RECORD_FIELDS) {
    if (!(f in o) && ADDED_FIELDS.includes(f)) continue;
    if (!(f in o)) return `missing field ${f}`;
    const t = o[f] === null ? 'null' : typeof o[f];
    if (!FIELD_TYPES[f].includes(t)) return `field ${f} is ${t}, want ${FIELD_TYPES[f].join(' or ')}`;
  }
  if (o.proto !== 'udp' && o.proto !== 'icmp' && o.proto !== 'tcp') return `proto ${JSON.stringify(o.proto)}`;
  if (o.ipVersion !== 4 && o.ipVersion !== 6) return `ipVersion ${JSON.stringify(o.ipVersion)}`;
  if (o.addr === null && REPLY_FIELDS.some((f) => (o[f] ?? null) !== null)) return 'reply fields set on an unanswered probe';
  return null;
}

/** The canonical on-disk form: one JSON object per line, fields in schema order. */
export function toJsonl(records: Iterable<ProbeRecord>): string {
  let out = '';
  for (const r of records) out += JSON.stringify(Object.fromEntries(RECORD_FIELDS.map((f) => [f, r[f]]))) + '\n';
  return out;
}

export function fromJsonl(text: string, options: ImportOptions = {}): ImportResult {
  const sink = new ErrorSink('jsonl', options);
  const records: ProbeRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return sink.report({ line: i + 1, message: `not JSON: ${(err as Error).message}` });
    }
    // A trace's closing summary line travels with its records; it is not a record.
    if (typeof value === 'object' && value !== null && 'type' in value) return;
    const problem = recordProblem(value);
    if (problem) return sink.report({ line: i + 1, message: problem });
    const record = value as ProbeRecord;
    for (const f of ADDED_FIELDS) if (!(f in record)) (record as unknown as Record<string, null>)[f] = null;
    records.push(record);
  });
  return { records, errors: sink.errors };
}
