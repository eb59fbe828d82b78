import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { importCommand, analyzeCommand } from '../../../lib/cli/import-command';
import { fromJsonl, parseTracerouteText, ImportFailure } from '../../../lib/io';

const fixtures = join(__dirname, '../../fixtures/io');

async function capture(fn: (out: NodeJS.WritableStream) => Promise<number>): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const code = await fn(out);
  return { code, text };
}

test('import: traceroute text to JSON lines gives the importer\'s records, exactly', async () => {
  const file = join(fixtures, 'traceroute-n-linear.txt');
  const { code, text } = await capture((out) => importCommand(['--from', 'traceroute', file], out));
  assert.equal(code, 0);
  assert.deepEqual(fromJsonl(text).records, parseTracerouteText(readFileSync(file, 'utf8')).records);
});

test('analyze: the same analysis on imported scamper data finds the asym return paths', async () => {
  const { text } = await capture((out) => analyzeCommand(['--from', 'scamper', join(fixtures, 'scamper-trace-icmp-asym.json')], out));
  assert.match(text, /^ 2  198\.18\.2\.2 1\/1 \S+ ms back 2$/m);
  assert.match(text, /^ 3  198\.18\.5\.1 1\/1 \S+ ms back 4 \(asymm \+1\)$/m);
});

test('import: bad lines are skipped with a report, or fail with --strict', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-import-'));
  const file = join(dir, 'bad.txt');
  writeFileSync(file, 'traceroute to 192.0.2.9 (192.0.2.9), 30 hops max, 60 byte packets\n 1  192.0.2.1  1.0 ms\n 2  what is this\n');
  const { code, text } = await capture((out) => importCommand(['--from', 'traceroute', file], out));
  assert.equal(code, 1);
  assert.equal(fromJsonl(text).records.length, 1);
  await assert.rejects(capture((out) => importCommand(['--from', 'traceroute', '--strict', file], out)), (e: unknown) => e instanceof ImportFailure && /line 3/.test((e as Error).message));
});
