import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies, serviceStatePath } from '../lab';
import { NEED_ROOT, hopscopeIn, inNs } from './helpers';

const driver = join(__dirname, 'session-driver.ts');
const runDriver = (topo: string, target: string, port: number, bytes: number, simulate = false) =>
  JSON.parse(inNs(nsName(topo, 'src'), process.execPath, ['--import', 'tsx', driver, target, String(port), String(bytes), ...(simulate ? ['simulate'] : [])], 60_000));
const serverBytes = (topo: string) => JSON.parse(readFileSync(serviceStatePath(topo, 'dst', 'discard'), 'utf8')).bytes as number;

describe('in-session TCP tracing on the lab (seed 000)', { skip: NEED_ROOT }, () => {
  before(() => ['fw-desync', 'linear'].forEach((t) => labAcquire(t)));
  after(() => ['fw-desync', 'linear'].forEach((t) => labRelease(t)));

  test('fw-desync: the connection opens, a byte starts retransmissions, the session trace dies after hop 1', () => {
    const truth = topologies['fw-desync'].truth;
    const r = runDriver('fw-desync', '198.18.4.2', 9, 1);
    assert.ok(r.retransmitted >= 1, 'the kernel retransmits the byte the firewall drops');
    assert.equal(r.reached, false);
    assert.equal(r.lastAnswered, truth.sessionDiesAfterTtl);
    for (const rec of r.records) {
      if (rec.ttl === 1) assert.equal(rec.addr, truth.paths[0].hops[0].v4![0]);
      else assert.equal(rec.addr, null);
    }
    assert.equal(JSON.parse(readFileSync(serviceStatePath('fw-desync', 'dst', 'discard'), 'utf8')).bytes, 0, 'nothing reached the server');
  });

  test('fw-desync: the CLI compares with fresh SYNs and names the firewall', async () => {
    const run = await hopscopeIn(nsName('fw-desync', 'src'), ['session', '--json', '-m', '6', '198.18.4.2', '9'], 60_000);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    const fw = topologies['fw-desync'].truth.paths[0].hops[1].v4![0];
    assert.deepEqual(summary.comparison, { lastSessionTtl: 1, diverges: true, suspectTtl: 2, suspect: fw });
    const text = await hopscopeIn(nsName('fw-desync', 'src'), ['session', '-m', '4', '-q', '1', '198.18.4.2', '9'], 60_000);
    assert.match(text.stdout, /^outgoing MTU = 1500$/m);
    assert.match(text.stdout, /^ 1  198\.18\.1\.2  \S+ ms$/m);
    assert.match(text.stdout, /^ 2  \*$/m);
    assert.match(text.stdout, /likely stateful device 198\.18\.2\.2 at TTL 2/);
  });

  test('linear: the session trace reaches the server (its ACK), and the server got exactly the bytes sent', () => {
    const before = JSON.parse(readFileSync(serviceStatePath('linear', 'dst', 'discard'), 'utf8')).bytes;
    const r = runDriver('linear', '198.18.5.2', 9, 3);
    assert.equal(r.reached, true);
    assert.equal(r.retransmitted, null, 'a healthy session does not retransmit');
    const last = r.records.filter((x: { ttl: number }) => x.ttl === r.lastAnswered);
    assert.ok(last.every((x: { addr: string; kind: string }) => x.addr === '198.18.5.2' && x.kind === 'tcp-ack'));
    const after = JSON.parse(readFileSync(serviceStatePath('linear', 'dst', 'discard'), 'utf8')).bytes;
    assert.equal(after - before, 3, 'probes were duplicates, never taken as new data');
  });

  test('linear --simulate: the probes deliver one new byte, the socket resends it as a duplicate, and the session stays in step', () => {
    const before = serverBytes('linear');
    const r = runDriver('linear', '198.18.5.2', 9, 2, true);
    assert.equal(r.reached, true);
    assert.equal(r.simulated, true);
    assert.equal(r.sent, 3, 'two bytes written, plus the simulated byte written after the trace');
    const last = r.records.filter((x: { ttl: number }) => x.ttl === r.lastAnswered);
    assert.ok(last.every((x: { addr: string; kind: string }) => x.addr === '198.18.5.2' && x.kind === 'tcp-ack'), 'the server acknowledged the new byte');
    assert.deepEqual(r.after, { reached: true, lastAnswered: r.lastAnswered, retransmitted: null }, 'a plain trace afterwards still reaches, nothing retransmits');
    assert.equal(serverBytes('linear') - before, 3, 'the server took the simulated byte once');
  });

  test('linear over IPv6: the session trace (plain and --simulate) reaches the server and the byte count holds', () => {
    const before = serverBytes('linear');
    const r = runDriver('linear', topologies.linear.truth.paths[0].dst.v6!, 9, 1, true);
    assert.equal(r.reached, true);
    assert.equal(r.lastAnswered, topologies.linear.truth.paths[0].hops.length);
    assert.ok(r.records.every((x: { ipVersion: number }) => x.ipVersion === 6));
    assert.deepEqual(r.after, { reached: true, lastAnswered: r.lastAnswered, retransmitted: null });
    assert.equal(serverBytes('linear') - before, 2);
  });

  test('fw-desync --simulate: the CLI still finds the session dying after hop 1, and nothing reaches the server', async () => {
    const before = serverBytes('fw-desync');
    const run = await hopscopeIn(nsName('fw-desync', 'src'), ['session', '--simulate', '--json', '-m', '4', '-q', '1', '198.18.4.2', '9'], 60_000);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.simulated, true);
    assert.equal(summary.reached, false);
    assert.equal(summary.lastAnswered, topologies['fw-desync'].truth.sessionDiesAfterTtl);
    assert.equal(serverBytes('fw-desync'), before);
  });

  test('interactive mode sends a byte per line and traces at end of input', async () => {
    const run = await hopscopeIn(nsName('linear', 'src'), ['session', '--interact', '--no-compare', '-q', '1', '198.18.5.2', '9'], 60_000, ['sh', '-c', 'printf "\\n\\n" | "$0" "$@"']);
    assert.match(run.stdout, /Interactive mode, press Enter to send a byte, Ctrl-D to trace/);
    assert.match(run.stdout, /sent 2 bytes/);
    assert.match(run.stdout, /^ 5  198\.18\.5\.2/m);
    assert.match(run.stdout, /^Port 9 open; retransmissions 0$/m);
  });

  test('a closed port is reported as closed', async () => {
    const run = await hopscopeIn(nsName('linear', 'src'), ['session', '198.18.5.2', '4'], 30_000);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^Port 4 closed/);
  });
});
