// Runs a Session object inside a lab namespace for session-lab.test.ts and prints what it saw
// as JSON. Usage: session-driver.ts TARGET PORT BYTES
import { Session } from '../../lib/probe/session';

async function main(): Promise<void> {
  const [target, port, bytes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
  const s = await Session.open(target, port);
  try {
    for (let i = 0; i < bytes; i++) await s.send(1);
    const retransmitted = bytes > 0 ? await s.watch(3000) : null;
    const t = await s.trace({ maxTtl: 8, queries: 2, waitMs: 500 });
    // Let the server see everything before the session closes.
    await new Promise((r) => setTimeout(r, 300));
    console.log(JSON.stringify({ sent: s.sent, retransmitted, reached: t.reached, lastAnswered: t.lastAnswered, records: t.records }));
  } finally {
    s.close();
  }
}
main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
