import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { topologies } from '../lab';
import { NEED_ROOT } from './helpers';

const ROOT = resolve(__dirname, '../..');
const CLI = ['--import', 'tsx', 'test/lab/cli.ts'];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', all: `${r.stdout}\n${r.stderr}` };
}

// The whole CLI life cycle — every topology up, list, exec, a half-built topology repaired,
// down of one, down of everything — in a lab of its own: a private mount namespace with a
// fresh /run, so `ip netns` there sees only this test's namespaces and `down` with no name
// cannot touch the topologies other people and tests are using on this machine.
describe('npm run lab (the CLI), in a lab of its own', { skip: NEED_ROOT }, () => {
  test('up every topology, list, exec, repair a half-built one, wait for another user, down one, down everything: nothing left', () => {
    const names = Object.keys(topologies);
    const lab = `${process.execPath} ${CLI.join(' ')}`;
    const script = `
set -e
mount -t tmpfs hs-lab-cli-test /run
echo "== up"; ${lab} up ${names.join(' ')}
echo "== namespaces $(ip netns list | wc -l)"
echo "== list"; ${lab} list
echo "== again"; ${lab} up linear
echo "== alias"; ip netns exec hs-src ip -br -4 addr show dev to-r1
echo "== exec"; ${lab} exec linear src -- ping -n -c 1 -W 2 198.18.5.2
echo "== services $(cat /run/hopscope-lab/*.pids | tr '\\n' ' ')"
sleep 2 & holder=$!
mkdir -p /run/hopscope-lab/leases && touch /run/hopscope-lab/leases/linear.$holder
echo another-definition > /run/hopscope-lab/linear.up
t0=$(date +%s%N); ${lab} up linear; t1=$(date +%s%N)
echo "== waited $(( (t1 - t0) / 1000000 ))"
ip netns del hs-asym-r2
echo "== partial"; ${lab} list | grep asym
echo "== repair"; ${lab} up asym
echo "== repaired $(ip netns list | grep -c '^hs-asym-')"
echo "== down asym"; ${lab} down asym
echo "== alias after down $(ls /run/netns | grep -c '^hs-src$' || true)"
echo "== down"; ${lab} down
echo "== left $(ip netns list | wc -l) $(ls -A /run/netns | wc -l) $(ls -A /run 2>/dev/null | grep -c hopscope-lab || true)"
`;
    const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], process.env, 120_000);
    const where = r.all;
    assert.equal(r.code, 0, where);
    for (const n of names) assert.match(r.out, new RegExp(`^${n} is up \\(\\d+ ms\\)`, 'm'), where);
    // Emulated routers live in their topology's emulator, not in namespaces of their own.
    const nodes = Object.values(topologies).reduce((s, t) => s + t.nodes.filter((n) => n.kind !== 'emulated').length, 0);
    const emulators = Object.values(topologies).filter((t) => t.nodes.some((n) => n.kind === 'emulated')).length;
    assert.match(r.out, new RegExp(`^== namespaces ${nodes + 1}$`, 'm'), `every node plus hs-src; ${where}`);
    for (const n of names) assert.match(r.out, new RegExp(`^up\\s+${n}\\s`, 'm'), where);
    assert.match(r.out, /^linear was already up/m, where);
    assert.match(r.out, /^to-r1@\S+\s+UP\s+198\.18\.1\.1\/24/m, `hs-src is linear's src, the last one brought up; ${where}`);
    assert.match(r.out, /1 received/, where);
    const pids = /^== services (.*)$/m.exec(r.out)![1].trim().split(' ').filter(Boolean);
    assert.equal(pids.length, 2 + emulators, `linear and fw-desync each run the discard service, each emulated topology its emulator; ${where}`);
    assert.match(r.out, /^partial\s+asym/m, where);
    assert.match(r.out, /^asym is up \(\d+ ms\)/m, where);
    assert.match(r.out, new RegExp(`^== repaired ${topologies.asym.nodes.length}$`, 'm'), where);
    // linear built from "another definition" and leased by a live process: up waits for it (2 s), then rebuilds.
    assert.match(r.out, /^linear is up \(\d+ ms\).*\n== waited \d+$/m, where);
    assert.ok(Number(/^== waited (\d+)$/m.exec(r.out)![1]) >= 1500, where);
    assert.match(r.out, /^== alias after down 0$/m, `hs-src pointed at asym; ${where}`);
    assert.match(r.out, /^the lab is down$/m, where);
    assert.match(r.out, /^== left 0 0 0$/m, `no namespace, alias or state directory; ${where}`);
    // The services were killed by `down` (their process groups got SIGTERM): bounded wait.
    const alive = () => pids.filter((p) => run('kill', ['-0', p]).code === 0);
    const deadline = Date.now() + 3000;
    while (alive().length > 0 && Date.now() < deadline) run('sleep', ['0.05']);
    assert.deepEqual(alive(), []);
  });

  test('a clear error when not root, and when a tool is missing (naming the Debian package); nothing is built', () => {
    // `list` and `truth` only read, so they work for anyone; `up`, `down` and `exec` need root.
    // (`exec ... -- true`: harmless even if the check were missing.)
    const asNobody = run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...CLI, 'exec', 'linear', 'src', '--', 'true'], { ...process.env, HOME: '/tmp' });
    assert.equal(asNobody.code, 1, asNobody.all);
    assert.match(asNobody.err, /needs root/);
    // A PATH with everything but nft.
    const bin = mkdtempSync(join(tmpdir(), 'hs-lab-path-'));
    try {
      for (const tool of ['ip', 'tc', 'sysctl']) {
        const where = run('sh', ['-c', `command -v ${tool}`]).out.trim();
        symlinkSync(where, join(bin, tool));
      }
      const noNft = run(process.execPath, [...CLI, 'exec', 'linear', 'src', '--', 'true'], { ...process.env, PATH: bin });
      assert.equal(noNft.code, 1, noNft.all);
      assert.match(noNft.err, /the lab needs nft, which is not on PATH: apt-get install -y nftables/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('truth prints without root, as text and as JSON equal to the declared truth', () => {
    const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...CLI];
    for (const [name, topo] of Object.entries(topologies)) {
      const json = run('setpriv', [...nobody, 'truth', name, '--json'], { ...process.env, HOME: '/tmp' });
      assert.equal(json.code, 0, json.all);
      assert.deepEqual(JSON.parse(json.out), topo.truth);
    }
    const text = run('setpriv', [...nobody, 'truth', 'asym'], { ...process.env, HOME: '/tmp' });
    assert.match(text.out, /^asym: /);
    assert.match(text.out, /^\s+3 {2}198\.18\.5\.1 {2}2001:db8:3::2 {2}\[back 4, iTTL 128\]$/m, text.all);
    assert.match(text.out, /pmtu 1454 after hop 2/);
  });
});
