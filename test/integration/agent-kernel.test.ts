/**
 * Issue #10, done-when: a notebook running without privileges (kernel as nobody, no
 * capabilities) traces the lab through an agent, and a two-agent cell shows forward and
 * reverse paths of asym side by side with the divergence named. The kernel's first output
 * says which probing mode is active.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT } from './helpers';
import { executeNotebook, installKernel, NO_JUPYTER, text } from './jupyter';
import { startAgent, stopAgent, killAgents, type Agent } from './agent-helpers';

const SKIP = NEED_ROOT || NO_JUPYTER || (spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv not installed' : false);
const truth = topologies.asym.truth.paths[0];
let dir = '';
let prefix = '';
let a: Agent;
let b: Agent;

before(async () => {
  if (SKIP) return;
  labAcquire('asym');
  dir = mkdtempSync(join(tmpdir(), 'hopscope-agent-kernel-'));
  chmodSync(dir, 0o777);
  prefix = join(dir, 'prefix');
  const r = installKernel(prefix);
  assert.equal(r.status, 0, r.stderr);
  [a, b] = await Promise.all([
    startAgent(nsName('asym', 'src'), ['--listen', `unix:${dir}/a.sock`, '--socket-mode', '666']),
    startAgent(nsName('asym', 'dst'), ['--listen', `unix:${dir}/b.sock`, '--socket-mode', '666']),
  ]);
});

after(async () => {
  if (SKIP) return;
  await Promise.all([stopAgent(a), stopAgent(b)]);
  killAgents();
  labRelease('asym');
  rmSync(dir, { recursive: true, force: true });
});

const cell = (id: string, source: string) => ({ cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source });

test('an unprivileged kernel traces asym through an agent; a two-agent cell shows both directions and names the divergence', { skip: SKIP }, () => {
  const nb = {
    cells: [
      cell('one', [
        'import * as hs from "hopscope";',
        'const agent = await hs.agent.kernelAgent();',
        'const t = agent.trace("198.18.4.2", { queries: 1 });',
        'hs.show(await t.summary);',
        'console.log(JSON.stringify({ canProbe: hs.probe.canProbe(), hops: t.records.filter((r) => r.addr).map((r) => r.addr) }));',
      ].join('\n')),
      cell('two', [
        `const b = await hs.agent.connectAgent(${JSON.stringify(`unix:${dir}/b.sock`)});`,
        'const both = await hs.agent.bidirectional(agent, b, { queries: 1, matePrefix: { 4: 24 } });',
        'hs.show(hs.analysis.bidirectionalRows(both), { title: `forward ${both.a} -> ${both.b} | reverse ${both.b} -> ${both.a}` });',
        'for (const d of both.divergences) console.log("diverge: " + d.description);',
        'console.log(JSON.stringify(both.hopCounts));',
        'b.close();',
      ].join('\n')),
    ],
    metadata: { kernelspec: { name: 'hopscope', display_name: 'TypeScript (hopscope)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = join(dir, 'agent.ipynb');
  writeFileSync(file, JSON.stringify(nb));
  chmodSync(file, 0o666);
  const { cells } = executeNotebook(prefix, file, join(dir, 'out'), { uid: 65534, home: dir }, 120, { env: { HOPSCOPE_AGENT: `unix:${dir}/a.sock` } });
  const outs1 = cells[0].outputs!;
  const first = outs1[0];
  assert.equal(first.output_type, 'stream');
  assert.equal(first.name, 'stdout', text(first.text));
  assert.match(text(first.text), /nobody \(uid 65534\)/);
  assert.match(text(first.text), new RegExp(`probing through the agent at unix:${dir}/a\\.sock \\(pid \\d+, protocol 1`));
  const line = JSON.parse(text(outs1.filter((o) => o.output_type === 'stream').at(-1)!.text).trim().split('\n').at(-1)!);
  assert.equal(line.canProbe, false);
  assert.deepEqual(line.hops, truth.hops.map((h) => h.v4![0]));
  const outs2 = cells[1].outputs!;
  const table = outs2.find((o) => o.output_type === 'display_data');
  assert.ok(table, JSON.stringify(outs2));
  const plain = text(table!.data!['text/plain'] as string);
  assert.match(plain, /forward 198\.18\.1\.1 -> 198\.18\.4\.2 \| reverse 198\.18\.4\.2 -> 198\.18\.1\.1/);
  for (const addr of ['198.18.2.2', '198.18.5.2', '198.18.6.2', '198.18.2.1', '198.18.4.1']) assert.ok(plain.includes(addr), `${addr} in\n${plain}`);
  const printed = outs2.filter((o) => o.output_type === 'stream').map((o) => text(o.text)).join('');
  assert.match(printed, /diverge: between 198\.18\.1\.2 \(forward hop 1\) and 198\.18\.5\.1 \(forward hop 3\) the forward path crosses 198\.18\.2\.2 \(1 hop\), the reverse path 198\.18\.5\.2, 198\.18\.6\.2 \(2 hops\)/);
  assert.deepEqual(JSON.parse(printed.trim().split('\n').at(-1)!), { forward: 4, reverse: truth.hops.at(-1)!.returnHops, reverseEstimate: truth.hops.at(-1)!.returnHops, forwardEstimate: 4 });
});
