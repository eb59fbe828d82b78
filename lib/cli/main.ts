#!/usr/bin/env node
import { ArgumentError, PrivilegeError } from '../probe';
import { UsageError } from './args';
import { traceCommand, TRACE_USAGE } from './trace-command';
import { mdaCommand } from './mda-command';
import { sampleCommand } from './sample-command';
import { pathCommand } from './path-command';
import { analyzeCommand, importCommand } from './import-command';
import { sessionCommand } from './session-command';
import { ratetestCommand } from './ratetest-command';
import { replCommand } from './repl-command';
import { agentCommand } from './agent-command';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  trace: { run: (argv) => traceCommand(argv), summary: 'trace the path to a target (UDP, ICMP or TCP; Paris or classic)' },
  mda: { run: (argv) => mdaCommand(argv), summary: 'find every path to a target (MDA) and classify its load balancers' },
  path: { run: (argv) => pathCommand(argv), summary: 'walk the path like tracepath: return hops (asymm), path MTU, router signatures' },
  session: { run: (argv) => sessionCommand(argv), summary: 'trace inside a live TCP connection to find where an established session dies' },
  ratetest: { run: (argv) => ratetestCommand(argv), summary: 'tell a hop that rate-limits its ICMP from one that loses packets' },
  import: { run: (argv) => importCommand(argv), summary: 'read another tool\'s results (atlas, scamper, traceroute, tracepath, mtr) as probe records' },
  analyze: { run: (argv) => analyzeCommand(argv), summary: 'per-hop table and return-path estimates for records from any source' },
  sample: { run: (argv) => sampleCommand(argv), summary: 'repeat one fixed-flow trace and count the addresses at each hop' },
  agent: { run: (argv) => agentCommand(argv), summary: 'a privileged probe agent serving unprivileged clients (stdio, Unix socket, TCP with a token)' },
  repl: { run: (argv) => replCommand(argv), summary: 'a JavaScript REPL with the library preloaded (top-level await, history, show() to text and SVG files)' },
};

function usage(): string {
  return [
    'usage: hopscope COMMAND [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    'hopscope COMMAND --help for the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return cmd ? 0 : 2;
  }
  if (cmd === '--version') {
    console.log(require('../../package.json').version);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    console.error(`hopscope: unknown command ${JSON.stringify(cmd)}\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ArgumentError) {
      console.error(`hopscope ${cmd}: ${err.message}`);
      return 2;
    }
    if (err instanceof PrivilegeError) {
      console.error(`hopscope ${cmd}: ${err.message}`);
      return 77;
    }
    console.error(`hopscope ${cmd}: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  // The reader went away (`hopscope trace … | head`): stop quietly, as traceroute does on SIGPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

export { TRACE_USAGE };
