// Runs the probe engine in process inside a lab namespace for probe-engine.test.ts and
// prints what it saw as one JSON object. Usage: probe-driver.ts SCENARIO ARGS...
//   break TARGET SPORT: a trace whose reader leaves the loop after the first record.
import { readdirSync, readlinkSync } from 'node:fs';
import { trace } from '../../lib/probe';

function sockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

async function leaveEarly(target: string, sport: number): Promise<void> {
  const before = sockets();
  const t0 = performance.now();
  const run = trace(target, { sport, waitMs: 3000, maxTtl: 8 });
  let first = null;
  let during = -1;
  for await (const r of run) {
    first = r;
    during = sockets();
    break;
  }
  const summary = await run.summary;
  const ms = performance.now() - t0;
  // Let the closed handles go (libuv closes poll handles on the next turn).
  await new Promise((r) => setTimeout(r, 50));
  console.log(JSON.stringify({ first, summary, before, during, after: sockets(), ms, records: run.records.length }));
}

async function main(): Promise<void> {
  const [scenario, ...args] = process.argv.slice(2);
  if (scenario === 'break') return leaveEarly(args[0], Number(args[1]));
  throw new Error(`unknown scenario ${scenario}`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
