#!/usr/bin/env node
// @ts-check
/**
 * Installs the hopscope Jupyter kernel spec ("TypeScript (hopscope)", kernel name `hopscope`),
 * and its replay twin ("TypeScript (hopscope, replay)", `hopscope-replay`: HOPSCOPE_REPLAY=1, the
 * notebooks replay their recorded probes, no privileges needed), with Debian's Jupyter (`jupyter kernelspec install`). Idempotent: the spec is rewritten in
 * place. System-wide when run as root, for the current user otherwise.
 *
 *   npm run kernel:install [-- --user | --sys-prefix | --prefix DIR] [--name NAME] [--jupyter PATH]
 *
 * The spec starts `node kernel/launch.js` with the node running this script and the absolute
 * path of this checkout, so re-run it after moving the checkout or changing node.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const DEBIAN_PACKAGES = 'jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel';

function parseArgs(argv) {
  const opts = { scope: /** @type {string | null} */ (null), prefix: /** @type {string | null} */ (null), name: 'hopscope', jupyter: /** @type {string | null} */ (null) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--user' || a === '--sys-prefix') opts.scope = a;
    else if (a === '--prefix') opts.prefix = argv[++i];
    else if (a === '--name') opts.name = argv[++i];
    else if (a === '--jupyter') opts.jupyter = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: npm run kernel:install [-- --user | --sys-prefix | --prefix DIR] [--name NAME] [--jupyter PATH]');
      process.exit(0);
    } else {
      console.error(`kernel:install: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!/^[a-z0-9._-]+$/i.test(opts.name)) {
    console.error(`kernel:install: bad kernel name ${JSON.stringify(opts.name)}`);
    process.exit(2);
  }
  return opts;
}

/** Debian's Jupyter first (the one these notebooks are checked with), then PATH. */
function findJupyter(explicit) {
  const candidates = [explicit, process.env.HOPSCOPE_JUPYTER, '/usr/bin/jupyter', 'jupyter'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(/** @type {string} */ (c), ['kernelspec', '--version'], { encoding: 'utf8' });
    if (r.status === 0) return /** @type {string} */ (c);
  }
  return null;
}

/**
 * The kernel spec (kernel.json) for this checkout. The replay variant sets HOPSCOPE_REPLAY=1:
 * the notebooks' probing calls (hs.replay.recorder) read their recordings instead of probing.
 */
function kernelSpec(replay = false) {
  return {
    argv: [process.execPath, path.join(root, 'kernel', 'launch.js'), '--config-path', '{connection_file}'],
    display_name: replay ? 'TypeScript (hopscope, replay)' : 'TypeScript (hopscope)',
    language: 'typescript',
    interrupt_mode: 'signal',
    env: replay ? { HOPSCOPE_REPLAY: '1' } : {},
    metadata: { hopscope: { root, version: require(path.join(root, 'package.json')).version, replay } },
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const jupyter = findJupyter(opts.jupyter);
  if (!jupyter) {
    console.error(`kernel:install: Jupyter not found. Install Debian's: sudo apt-get install -y ${DEBIAN_PACKAGES}`);
    process.exit(1);
  }
  if (!fs.existsSync(path.join(root, 'node_modules', 'tslab', 'package.json'))) {
    console.error('kernel:install: tslab is not installed: run npm ci first');
    process.exit(1);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hopscope-kernel-'));
  try {
    for (const replay of [false, true]) {
      const name = replay ? `${opts.name}-replay` : opts.name;
      const spec = kernelSpec(replay);
      const specDir = path.join(dir, name);
      fs.mkdirSync(specDir, { mode: 0o755 });
      fs.writeFileSync(path.join(specDir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      const scope = opts.prefix ? ['--prefix', opts.prefix] : opts.scope ? [opts.scope] : isRoot ? [] : ['--user'];
      const args = ['kernelspec', 'install', '--replace', '--name', name, ...scope, specDir];
      const r = spawnSync(jupyter, args, { encoding: 'utf8' });
      if (r.status !== 0) {
        console.error(`kernel:install: ${jupyter} ${args.join(' ')} failed:\n${r.stderr || r.stdout}`);
        process.exit(1);
      }
      const where = /Installed kernelspec \S+ in (.+)/.exec(`${r.stdout}\n${r.stderr}`)?.[1]?.trim();
      console.log(`kernel "${name}" (${spec.display_name}) installed${where ? ` in ${where}` : ''}`);
    }
    if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) console.log('note: hopscope is not built yet: run npm run build before using the kernel');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
