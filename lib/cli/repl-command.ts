import os from 'node:os';
import path from 'node:path';
import repl from 'node:repl';
import { kernelStatus } from '../display';
import { interruptAll } from '../probe';
import { optionHelp, parseArgs, UsageError, type OptionSpec } from './args';

export const REPL_OPTIONS: OptionSpec[] = [
  { long: 'svg-dir', type: 'string', help: 'where show() saves charts as SVG files (default ./hopscope-charts, or $HOPSCOPE_SVG_DIR)' },
  { long: 'history', type: 'string', help: 'history file (default ~/.hopscope_repl_history, or $HOPSCOPE_REPL_HISTORY; "" for none)' },
  { long: 'quiet', short: 'q', type: 'flag', help: 'no banner' },
  { long: 'help', short: 'h', type: 'flag', help: 'this help' },
];

export const REPL_USAGE = `usage: hopscope repl [options]\n\nA JavaScript REPL with hopscope preloaded: \`hs\` is the whole library, and its probing,\nanalysis, io, chart and frame functions are also names of their own (trace, mda, path,\nsample, openSession, show, ...). Top-level await works. interruptAll() stops every running\nmeasurement (start a long one without await to keep the prompt; SIGINT to the process does the same).\n\n${optionHelp(REPL_OPTIONS)}`;

/** The names a REPL user gets without importing anything: the library, and its functions flat. */
export function replContext(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hs = require('..') as Record<string, unknown>;
  const context: Record<string, unknown> = { hs };
  // Later folders win name clashes: probing first, then what reads its results.
  for (const folder of ['record', 'probe', 'analysis', 'io', 'enrich', 'chart', 'frame', 'display']) {
    const mod = (folder === 'record' ? hs : hs[folder]) as Record<string, unknown> | undefined;
    if (!mod) continue;
    for (const [name, value] of Object.entries(mod)) {
      if (name !== 'default' && typeof value === 'function') context[name] = value;
    }
  }
  for (const folder of ['packet', 'analysis', 'probe', 'io', 'enrich', 'chart', 'frame', 'display']) context[folder] = hs[folder];
  return context;
}

export async function replCommand(argv: readonly string[], input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { positional, values } = parseArgs(argv, REPL_OPTIONS);
  if (values.help) return out.write(REPL_USAGE + '\n'), 0;
  if (positional.length) throw new UsageError(`repl takes no arguments, got ${JSON.stringify(positional[0])}\n${REPL_USAGE}`);
  process.env.HOPSCOPE_SVG_DIR = path.resolve((values['svg-dir'] as string | undefined) ?? process.env.HOPSCOPE_SVG_DIR ?? 'hopscope-charts');
  const history = (values.history as string | undefined) ?? process.env.HOPSCOPE_REPL_HISTORY ?? path.join(os.homedir(), '.hopscope_repl_history');
  if (!values.quiet) {
    out.write(`${kernelStatus().message}\n`);
    out.write(`hopscope REPL: \`hs\` and its functions are loaded (trace, mda, path, sample, openSession, show, ...); await works at top level.\n`);
    out.write(`Charts shown with show() are saved under ${process.env.HOPSCOPE_SVG_DIR}. .exit or Ctrl-D to leave.\n`);
  }
  const terminal = (input as NodeJS.ReadStream).isTTY === true && (out as NodeJS.WriteStream).isTTY === true;
  const server = repl.start({ prompt: 'hopscope> ', input, output: out, terminal, useGlobal: false, ignoreUndefined: true });
  Object.assign(server.context, replContext());
  if (!terminal) serializeEval(server);
  // Ctrl-C while a measurement runs: stop it. At the prompt the REPL reads Ctrl-C as a key
  // (and clears the line); while a top-level await is pending the terminal delivers SIGINT.
  const onInterrupt = () => {
    const stopped = interruptAll();
    if (stopped) out.write(`(stopped ${stopped} running measurement${stopped > 1 ? 's' : ''})\n`);
  };
  server.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  server.once('exit', () => process.removeListener('SIGINT', onInterrupt));
  if (history) {
    await new Promise<void>((resolve) =>
      server.setupHistory(history, (err) => {
        if (err) out.write(`(no history: ${err.message})\n`);
        resolve();
      }),
    );
  }
  await new Promise<void>((resolve) => server.once('exit', resolve));
  interruptAll();
  return 0;
}

/**
 * Evaluates one input after the other: Node's REPL starts the next line while a top-level
 * `await` is pending when input is piped (a script fed to `hopscope repl`), so a line could
 * read a variable the previous one has not assigned yet. A rejected `await` is reported
 * through the REPL's domain instead of the eval callback: that also ends the current input.
 */
function serializeEval(server: repl.REPLServer): void {
  const evaluate = server.eval;
  let queue: Promise<void> = Promise.resolve();
  let finishCurrent: (() => void) | null = null;
  (server as unknown as { _domain?: NodeJS.EventEmitter })._domain?.on('error', () => finishCurrent?.());
  const serialized: repl.REPLEval = function (this: repl.REPLServer, code, context, file, callback) {
    queue = queue.then(
      () =>
        new Promise<void>((done) => {
          finishCurrent = () => {
            finishCurrent = null;
            done();
          };
          evaluate.call(this, code, context, file, (err, result) => {
            callback(err, result);
            finishCurrent?.();
          });
        }),
    );
  };
  (server as { eval: repl.REPLEval }).eval = serialized;
}
