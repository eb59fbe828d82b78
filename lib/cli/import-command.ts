import { enrich } from '../enrich';
import { asnDatabaseFromArgs, asPathOf, ENRICH_OPTIONS, formatAsPath, nameCacheFromArgs } from './enrich-options';
import { readFileSync } from 'node:fs';
import type { ProbeRecord } from '../record';
import { hopTable, mplsTunnels, natRewrites, readLatency, returnTable } from '../analysis';
import { formatReadings } from './readings';
import {
  fromCsv, fromJsonl, parseAtlasTraceroute, parseMtrJson, parseScamperJson, parseTracepathText, parseTracerouteText, toCsv, toJsonl,
  type ImportError, type ImportOptions,
} from '../io';
import { parseArgs, optionHelp, UsageError, type OptionSpec } from './args';

const FORMATS = ['jsonl', 'csv', 'atlas', 'scamper', 'traceroute', 'tracepath'] as const;
type Format = (typeof FORMATS)[number];

const COMMON: OptionSpec[] = [
  { long: 'from', type: 'string', choices: [...FORMATS, 'mtr'], help: 'input format (default: jsonl)' },
  { long: 'strict', type: 'flag', help: 'fail on the first bad line instead of reporting and skipping it' },
  { long: 'help', short: 'h', type: 'flag', help: 'this help' },
];
export const IMPORT_OPTIONS: OptionSpec[] = [...COMMON, { long: 'to', type: 'string', choices: ['jsonl', 'csv'], help: 'output format (default jsonl)' }];
export const ANALYZE_OPTIONS: OptionSpec[] = [...COMMON, ...ENRICH_OPTIONS, { long: 'json', type: 'flag', help: 'print the analysis as JSON' }];

/** Reads FILE in a format into probe records; bad input is reported on stderr with its place. */
export function readRecords(file: string, format: Format, options: ImportOptions): { records: ProbeRecord[]; errors: ImportError[] } {
  const text = readFileSync(file, 'utf8');
  switch (format) {
    case 'jsonl': return fromJsonl(text, options);
    case 'csv': return fromCsv(text, options);
    case 'atlas': return parseAtlasTraceroute(text, options);
    case 'scamper': return parseScamperJson(text, options);
    case 'traceroute': return parseTracerouteText(text, options);
    case 'tracepath': return parseTracepathText(text, options);
  }
}

function reportErrors(file: string, errors: readonly ImportError[]): void {
  for (const e of errors) console.error(`${file}: ${e.line !== undefined ? `line ${e.line}` : `item ${e.index}`}: ${e.message} (skipped)`);
}

function oneFile(name: string, argv: readonly string[], specs: OptionSpec[]) {
  const { positional, values } = parseArgs(argv, specs);
  if (values.help) return { help: true as const, values, file: '' };
  if (positional.length !== 1) throw new UsageError(`${name} takes one FILE, got ${positional.length}`);
  return { help: false as const, values, file: positional[0] };
}

export async function importCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const a = oneFile('import', argv, IMPORT_OPTIONS);
  if (a.help) return out.write(`usage: hopscope import [options] FILE\n\n${optionHelp(IMPORT_OPTIONS)}\n`), 0;
  const options: ImportOptions = { onError: a.values.strict ? 'fail' : 'skip' };
  if (a.values.from === 'mtr') {
    // mtr keeps per-hop aggregates only: they are printed as such, never as invented probes.
    const report = parseMtrJson(readFileSync(a.file, 'utf8'), options);
    reportErrors(a.file, report.errors);
    for (const h of report.hops) out.write(JSON.stringify({ type: 'mtr-hop', dst: report.dst, ...h }) + '\n');
    return report.errors.length ? 1 : 0;
  }
  const { records, errors } = readRecords(a.file, (a.values.from as Format) ?? 'jsonl', options);
  reportErrors(a.file, errors);
  out.write(a.values.to === 'csv' ? toCsv(records) : toJsonl(records));
  return errors.length ? 1 : 0;
}

export async function analyzeCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const a = oneFile('analyze', argv, ANALYZE_OPTIONS);
  if (a.help) return out.write(`usage: hopscope analyze [options] FILE\n\nPer-hop addresses, loss and RTTs, and return-path estimates, for records of any source.\n\n${optionHelp(ANALYZE_OPTIONS)}\n`), 0;
  if (a.values.from === 'mtr') throw new UsageError('mtr reports hold per-hop aggregates, not probes: use hopscope import --from mtr');
  const { records, errors } = readRecords(a.file, (a.values.from as Format) ?? 'jsonl', { onError: a.values.strict ? 'fail' : 'skip' });
  reportErrors(a.file, errors);
  const hops = hopTable(records);
  const back = returnTable(records);
  const asn = asnDatabaseFromArgs(a.values);
  const names = a.values['dns-server'] === undefined ? null : nameCacheFromArgs(a.values, false);
  const info = await enrich(records.map((r) => r.addr), { asn, rdns: names?.dns ?? null });
  names?.close();
  const asHops = asn ? asPathOf(records, asn) : null;
  const tunnels = mplsTunnels(records);
  const latency = readLatency(records, { tunnels });
  const nats = natRewrites(records);
  if (a.values.json) {
    out.write(JSON.stringify({ hops, returns: back, ...(asn || names ? { addresses: [...info.values()] } : {}), ...(asHops ? { asPath: asHops } : {}), mpls: tunnels, latency: latency.verdicts, nat: nats }) + '\n');
    return 0;
  }
  const label = (addr: string) => {
    const i = info.get(addr);
    const as = asn ? ` [${i?.asn ? `AS${i.asn}` : '*'}]` : '';
    return `${i?.name ? `${i.name} (${addr})` : addr}${as}`;
  };
  for (const h of hops) {
    const who = h.responders.map((r) => `${label(r.addr)} ${r.replies}/${h.sent}${r.rtt ? ` ${r.rtt.median.toFixed(3)} ms` : ''}`).join('  ') || '*';
    const ret = back.filter((b) => b.ttl === h.ttl).map((b) => (b.asymm ? ` back ${b.returnHops} (asymm ${b.asymm > 0 ? '+' : ''}${b.asymm})` : ` back ${b.returnHops}`));
    out.write(`${String(h.ttl).padStart(2)}  ${who}${h.loss > 0 ? `  loss ${(h.loss * 100).toFixed(0)}%` : ''}${[...new Set(ret)].join('')}\n`);
  }
  if (asHops) for (const line of formatAsPath(asHops)) out.write(line + '\n');
  for (const line of formatReadings(tunnels, latency.verdicts, nats)) out.write(line + '\n');
  return 0;
}
