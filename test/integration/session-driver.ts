// Runs a Session object inside a lab namespace for session-lab.test.ts and prints what it saw
// as JSON. Usage: session-driver.ts TARGET PORT BYTES [simulate]
// With `simulate`, the first trace is proberoute's --simulate and a plain trace follows it
// (its result as `after`), to show the session is still in step.
import { openSession } from '../../lib/probe/session';

async function main(): Promise<void> {
  const [target, port, bytes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
  const simulate = process.argv[5] === 'simulate';
  const s = await openSession(target, port);
  try {
    for (let i = 0; i < bytes; i++) await s.send(1);
    const retransmitted = bytes > 0 ? await s.watch(simulate ? 500 : 3000) : null;
    const t = await s.trace({ maxTtl: 8, queries: 2, waitMs: 500, simulate });
    let after = null;
    if (simulate) {
      const again = await s.trace({ maxTtl: 8, queries: 1, waitMs: 500 });
      after = { reached: again.reached, lastAnswered: again.lastAnswered, retransmitted: await s.watch(1000) };
    }
    // Let the server see everything before the session closes.
    await new Promise((r) => setTimeout(r, 300));
    console.log(JSON.stringify({ sent: s.sent, retransmitted, reached: t.reached, lastAnswered: t.lastAnswered, simulated: t.simulated, records: t.records, after }));
  } finally {
    s.close();
  }
}
main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
