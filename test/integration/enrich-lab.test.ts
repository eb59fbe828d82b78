/**
 * Enrichment on the lab (issue #8): reverse DNS from a real DNS server (Debian's dnsmasq,
 * inside the lab's destination namespace), AS numbers from a pfx2as file, and the AS
 * borders `analyze` finds. DNS queries go only to lab addresses.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn } from './helpers';

const PFX2AS = join(__dirname, '../fixtures/enrich/lab.pfx2as');
const DNSMASQ = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find((p) => spawnSync(p, ['--version']).status === 0);
const SKIP = NEED_ROOT || (DNSMASQ ? false : 'dnsmasq is missing (Debian dnsmasq-base; scripts/setup.sh installs it)');
const path = topologies.linear.truth.paths[0];
const DST = path.dst.v4!;
/** An address in the destination's subnet where nothing answers: queries to it time out. */
const SILENT = DST.replace(/\.\d+$/, '.77');
const nameOf = (addr: string) => `r${addr.split('.')[2]}.linear.lab`;
const ptr = (addr: string) => `${addr.split('.').reverse().join('.')}.in-addr.arpa`;

let dnsmasq: ChildProcess | null = null;
let dir = '';

before(async () => {
  if (SKIP) return;
  labAcquire('linear');
  dir = mkdtempSync(join(tmpdir(), 'hopscope-enrich-'));
  const records = path.hops.flatMap((h) => h.v4!.map((a) => `--ptr-record=${ptr(a)},${nameOf(a)}`));
  dnsmasq = spawn('ip', ['netns', 'exec', nsName('linear', 'dst'), DNSMASQ!, '--keep-in-foreground', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', '--bind-interfaces', `--listen-address=${DST}`, '--port=53', '--pid-file=', ...records], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  dnsmasq.stderr!.on('data', (d) => (stderr += d));
  // Ready when it answers; bounded.
  for (let i = 0; i < 50; i++) {
    const ask = `const r = new (require('dns').promises.Resolver)({ timeout: 200, tries: 1 }); r.setServers(['${DST}']); r.reverse('${path.hops[0].v4![0]}').then(() => process.exit(0), () => process.exit(1))`;
    const q = spawnSync('ip', ['netns', 'exec', nsName('linear', 'src'), process.execPath, '-e', ask], { timeout: 5000 });
    if (q.status === 0) return;
    if (dnsmasq.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dnsmasq did not answer: ${stderr}`);
});
after(() => {
  if (SKIP) return;
  dnsmasq?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  labRelease('linear');
});

describe('enrichment on the lab', { skip: SKIP }, () => {
  test('trace --dns-server --asn-db: every hop named by the lab DNS server and tagged with its AS like traceroute -A', async () => {
    const run = await hopscopeIn(nsName('linear', 'src'), ['trace', '-q', '1', '--dns-server', DST, '--asn-db', PFX2AS, DST], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const expectedAs: Record<number, string> = { 1: 'AS64496', 2: 'AS64496', 3: 'AS64500', 4: '*', 5: 'AS64502' };
    for (const h of path.hops) {
      const a = h.v4![0];
      assert.match(run.stdout, new RegExp(`^\\s*${h.ttl}  ${nameOf(a).replace(/\./g, '\\.')} \\(${a.replace(/\./g, '\\.')}\\) \\[${expectedAs[h.ttl].replace('*', '\\*')}\\]  \\S+ ms$`, 'm'));
    }
    assert.match(run.stderr, /lab\.pfx2as:11: prefix length must be an integer from 0 to 32, got "33", skipped/, 'bad lines of the AS file are reported');
  });

  test('analyze: names, the AS segments and the uncertain border around the unannounced hop; JSON with name statuses', async () => {
    const json = await hopscopeIn(nsName('linear', 'src'), ['trace', '--json', '-q', '2', DST], 60_000);
    const records = join(dir, 'linear.jsonl');
    writeFileSync(records, json.stdout.split('\n').filter((l) => l && !l.includes('"type":"summary"')).join('\n') + '\n');
    const text = await hopscopeIn(nsName('linear', 'src'), ['analyze', '--dns-server', DST, '--asn-db', PFX2AS, records], 60_000);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ 1  r1\.linear\.lab \(198\.18\.1\.2\) \[AS64496\] 2\/2/m);
    assert.match(text.stdout, /^AS64496  hops 1-2$/m);
    assert.match(text.stdout, /^border AS64496 -> AS64500 at hop 3$/m);
    assert.match(text.stdout, /^border AS64500 -> AS64502 at hop 5 \(uncertain: no AS at 4\)$/m);
    const out = JSON.parse((await hopscopeIn(nsName('linear', 'src'), ['analyze', '--json', '--dns-server', DST, '--asn-db', PFX2AS, records], 60_000)).stdout);
    assert.deepEqual(out.addresses.map((a: { name: string; nameStatus: string; asn: number | null }) => [a.name, a.nameStatus, a.asn]), path.hops.map((h) => [nameOf(h.v4![0]), 'name', { 1: 64496, 2: 64496, 3: 64500, 4: null, 5: 64502 }[h.ttl]]));
    assert.deepEqual(out.asPath.borders.map((b: { ttl: number; uncertain: boolean }) => [b.ttl, b.uncertain]), [[3, false], [5, true]]);
  });

  test('path --asn-db: AS tags on the hop lines, the AS segments and borders after them; --json hops carry asn and an as-path line', async () => {
    const text = await hopscopeIn(nsName('linear', 'src'), ['path', '--no-signatures', '--asn-db', PFX2AS, DST], 60_000);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ 3:  198\.18\.3\.2 \[AS64500\]\s+\S+ms$/m);
    assert.match(text.stdout, /^ 4:  198\.18\.4\.2 \[\*\]\s+\S+ms$/m);
    assert.match(text.stdout, /^border AS64500 -> AS64502 at hop 5 \(uncertain: no AS at 4\)$/m);
    const json = await hopscopeIn(nsName('linear', 'src'), ['path', '--json', '--no-signatures', '--asn-db', PFX2AS, DST], 60_000);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.filter((l) => l.type === 'hop').map((h) => h.asn), [64496, 64496, 64500, null, 64502]);
    assert.deepEqual(lines.find((l) => l.type === 'as-path').borders.map((b: { ttl: number }) => b.ttl), [3, 5]);
  });

  test('a DNS server that never answers: lookups end as timeouts within the stated wait, the output stays numeric', async () => {
    const json = await hopscopeIn(nsName('linear', 'src'), ['trace', '--json', '-q', '1', DST], 60_000);
    const records = join(dir, 'silent.jsonl');
    writeFileSync(records, json.stdout.split('\n').filter((l) => l && !l.includes('"type":"summary"')).join('\n') + '\n');
    const run = await hopscopeIn(nsName('linear', 'src'), ['analyze', '--json', '--dns-server', SILENT, records], 30_000);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual([...new Set(out.addresses.map((a: { nameStatus: string }) => a.nameStatus))], ['timeout']);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms (one 800 ms query per address, asked in parallel)`);
    const trace = await hopscopeIn(nsName('linear', 'src'), ['trace', '-q', '1', '--dns-server', SILENT, DST], 30_000);
    assert.match(trace.stdout, /^ 1  198\.18\.1\.2  \S+ ms$/m);
  });

  test('bad enrichment arguments name the option', async () => {
    const run = await hopscopeIn(nsName('linear', 'src'), ['trace', '--dns-server', 'dns.example', DST], 30_000);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--dns-server must be an IP address with an optional :PORT/);
    const missing = await hopscopeIn(nsName('linear', 'src'), ['trace', '--asn-db', '/nonexistent/asn.mmdb', DST], 30_000);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--asn-db \/nonexistent\/asn\.mmdb: ENOENT/);
  });
});
