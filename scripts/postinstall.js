// After npm install / npm ci:
// 1. make `require("hopscope")` / `import … from "hopscope"` (and `npx hopscope`) resolve to
//    this checkout from anywhere inside it (tests, notebooks, the kernel);
// 2. build native/hopsock (IPv6 receive sockets that report the reply's hop limit) with
//    npm's own node-gyp. Without it hopscope still probes IPv6, with replyTtl null.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const root = path.resolve(__dirname, '..');

function symlink(target, link) {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    if (fs.lstatSync(link).isSymbolicLink() && fs.readlinkSync(link) === target) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  fs.symlinkSync(target, link);
}

symlink('..', path.join(root, 'node_modules', 'hopscope'));
symlink('../../dist/cli/main.js', path.join(root, 'node_modules', '.bin', 'hopscope'));

const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
].filter(Boolean);
const gyp = candidates.find((p) => fs.existsSync(p));
if (!gyp) {
  console.warn('hopscope: node-gyp not found; native/hopsock not built (IPv6 reply hop limits will be null and RTTs will include event-loop delay)');
} else {
  // Node's own headers, so node-gyp never tries to download them (no network but registries).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include/node/node_api.h')) ? prefix : null);
  const args = [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(process.execPath, args, { cwd: path.join(root, 'native'), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) console.warn(`hopscope: building native/hopsock failed (IPv6 reply hop limits will be null and RTTs will include event-loop delay):\n${r.stderr}`);
}
