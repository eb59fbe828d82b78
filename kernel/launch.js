#!/usr/bin/env node
// @ts-check
/**
 * The hopscope Jupyter kernel: tslab 1.0.22, started by the kernel spec that
 * `npm run kernel:install` installs (argv: node kernel/launch.js --config-path {connection_file}).
 *
 * On top of plain tslab it
 *  1. makes `import … from "hopscope"` work from a notebook in any directory: when the usual
 *     node_modules lookup finds no hopscope, both Node's resolver (running cells) and tslab's
 *     TypeScript host (type-checking cells) are pointed at this checkout (like tslab does
 *     for `tslab` itself);
 *  2. prints the privilege check (can this kernel open raw sockets, and what to do if not)
 *     as the first output of the first cell the user runs: tslab has no startup-cell hook
 *     and front ends drop IOPub messages that answer no request, so the launcher wraps
 *     tslab's execute handler and writes the message on the stream of that first request;
 *  3. hands `show()` the tslab display channel it started (globalThis[Symbol.for('hopscope.kernel')]),
 *     so bundles go through the same tslab module instance that owns the IOPub socket.
 *  4. broadcasts `execute_input` (code + execution count) on IOPub before each execution, as
 *     the Jupyter protocol asks and tslab omits: headless runs (nbclient) take the cells'
 *     execution counts from it.
 * If tslab's internals ever move, (2) and (4) degrade to nothing, and `hopscope.kernelStatus()`
 * in a cell says what (2) would have.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const root = path.resolve(__dirname, '..');

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const configPath = argValue('--config-path');
if (!configPath) {
  console.error('usage: node kernel/launch.js --config-path <connection file>');
  process.exit(2);
}

const tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [root] }));

// 1a. Runtime: `require("hopscope")` falls back to this checkout.
const resolveFilename = /** @type {any} */ (Module)._resolveFilename;
/** @type {any} */ (Module)._resolveFilename = function (request, parent, isMain, options) {
  try {
    return resolveFilename.call(this, request, parent, isMain, options);
  } catch (err) {
    if (/** @type {any} */ (err).code === 'MODULE_NOT_FOUND' && (request === 'hopscope' || request.startsWith('hopscope/'))) {
      return resolveFilename.call(this, path.join(root, request.slice('hopscope'.length)), parent, isMain, options);
    }
    throw err;
  }
};

// 1b. Types: tslab's compiler host reads files through its TypeScript's `ts.sys`; paths
// `<dir>/node_modules/hopscope/<rest>` that do not exist are served from `<root>/<rest>`.
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
const existing = new Map();
function forward(p) {
  const m = /^(.*)[\\/]node_modules[\\/]hopscope(?=$|[\\/])(.*)$/.exec(p);
  if (!m) return p;
  const dir = path.join(m[1], 'node_modules', 'hopscope');
  if (!existing.has(dir)) existing.set(dir, fs.existsSync(dir));
  return existing.get(dir) ? p : path.join(root, m[2]).split(path.sep).join('/');
}
for (const name of ['fileExists', 'directoryExists', 'readFile', 'realpath', 'getDirectories', 'readDirectory', 'getModifiedTime', 'watchFile', 'watchDirectory']) {
  const fn = ts.sys[name];
  if (typeof fn !== 'function') continue;
  ts.sys[name] = function (p, ...rest) {
    return fn.call(this, typeof p === 'string' ? forward(p) : p, ...rest);
  };
}

// 3. The display channel for show().
const jupyter = require(path.join(tslabDir, 'dist', 'jupyter.js'));
/** @type {any} */ (globalThis)[Symbol.for('hopscope.kernel')] = { jupyter, root };

// 2. The privilege check, first output of the first (non-silent) execution.
function statusMessage() {
  const statusJs = path.join(root, 'dist', 'display', 'status.js');
  if (!fs.existsSync(statusJs)) {
    return { ok: false, text: `hopscope is not built (${statusJs} is missing): run \`npm run build\` in ${root}, then restart the kernel.` };
  }
  try {
    const s = require(statusJs).kernelStatus();
    return { ok: s.canProbe, text: s.message };
  } catch (err) {
    return { ok: false, text: `hopscope kernel: the privilege check failed: ${/** @type {Error} */ (err).message}` };
  }
}
const status = statusMessage();
// With HOPSCOPE_AGENT set (an unprivileged kernel probing through a privileged agent), the
// first output says which mode is active: in-process, the agent at its address, or none.
/** @type {Promise<{ ok: boolean, text: string }> | null} */
const agentStatus = process.env.HOPSCOPE_AGENT
  ? (async () => {
      try {
        const m = await require(path.join(root, 'dist', 'agent', 'index.js')).probingMode();
        return { ok: m.mode !== 'none', text: `${status.text.split('\n')[0]}\n${m.message}` };
      } catch (err) {
        return { ok: false, text: `hopscope kernel: the agent check failed: ${/** @type {Error} */ (err).message}` };
      }
    })()
  : null;

// 4. execute_input: the server knows the request message and the IOPub socket, the handler
// the execution count (incremented synchronously when the execution starts).
/** @type {WeakMap<object, (count: number) => void>} */
const announce = new WeakMap();
const Server = jupyter.ZmqServer;
if (Server && typeof Server.prototype.handleExecute === 'function') {
  const handleExecute = Server.prototype.handleExecute;
  Server.prototype.handleExecute = function (sock, msg) {
    try {
      announce.set(msg.content, (count) => {
        const input = msg.createReply();
        input.header.msg_type = 'execute_input';
        input.content = { code: msg.content.code, execution_count: count };
        input.signAndSend(this.connInfo.key, this.iopub);
      });
    } catch {
      /* never block the cell */
    }
    return handleExecute.call(this, sock, msg);
  };
}

const Handler = jupyter.JupyterHandlerImpl;
if (Handler && typeof Handler.prototype.handleExecuteImpl === 'function') {
  const execute = Handler.prototype.handleExecuteImpl;
  let greeted = false;
  Handler.prototype.handleExecuteImpl = function (req, writeStream, writeDisplayData) {
    try {
      announce.get(req)?.(this.execCount + 1);
    } catch {
      /* never block the cell */
    }
    if (!greeted && req && !req.silent && agentStatus) {
      greeted = true;
      return agentStatus.then((st) => {
        try {
          writeStream(st.ok ? 'stdout' : 'stderr', st.text + '\n');
        } catch {
          /* never block the cell */
        }
        return execute.call(this, req, writeStream, writeDisplayData);
      });
    }
    if (!greeted && req && !req.silent) {
      greeted = true;
      try {
        writeStream(status.ok ? 'stdout' : 'stderr', status.text + '\n');
      } catch {
        /* never block the cell */
      }
    }
    return execute.call(this, req, writeStream, writeDisplayData);
  };
}

// 5. Interrupt: tslab abandons the cell's promise on SIGINT, but what the cell started would
// run on. Every hopscope measurement registers itself (lib/probe/interrupt.ts, on globalThis):
// abort them all, so an interrupted cell leaves no probe in flight (open sessions stay open).
process.on('SIGINT', () => {
  try {
    /** @type {any} */ (globalThis)[Symbol.for('hopscope.interrupts')]?.interruptAll();
  } catch {
    /* the kernel's own interrupt still runs */
  }
});

require(path.join(tslabDir, 'dist', 'main.js')).startKernel({
  configPath,
  enableFindLocal: false,
  jsKernel: false,
  globalVersion: require(path.join(tslabDir, 'package.json')).version,
});
