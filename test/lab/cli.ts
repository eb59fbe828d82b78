// npm run lab -- up NAME... [--fresh] | down [NAME...] | list | truth NAME [--json] | exec NAME NODE -- CMD...
import { spawnSync } from 'node:child_process';
import { checkLabPrerequisites, labDown, labIsUp, labList, labStrayNamespaces, labTruth, labUp, nsName, getTopology } from './lab';

/** `exec` runs whatever the user asks for, but never longer than this (HS_LAB_EXEC_TIMEOUT_S). */
const EXEC_TIMEOUT_MS = Number(process.env.HS_LAB_EXEC_TIMEOUT_S ?? 3600) * 1000;
import { topologies } from './topologies';

function usage(): never {
  console.error('usage: npm run lab -- up NAME... [--fresh] | down [NAME...] | list | truth NAME [--json] | exec NAME NODE -- CMD...');
  console.error(`topologies: ${Object.keys(topologies).join(', ')}`);
  process.exit(2);
}

function printTruth(name: string): void {
  const t = getTopology(name);
  console.log(`${t.name}: ${t.description}`);
  console.log(`source node: ${t.source} (namespace ${nsName(t.name, t.source)}, alias hs-src when up)`);
  for (const p of t.truth.paths) {
    console.log(`to ${[p.dst.v4, p.dst.v6].filter(Boolean).join(' / ')}${p.pmtu ? `  (pmtu ${p.pmtu.mtu}${p.pmtu.ttl ? ` after hop ${p.pmtu.ttl}` : ''})` : ''}`);
    for (const h of p.hops) {
      const extra = [
        h.balancer ? `${h.balancer.kind} balancer at ${h.balancer.at}` : '',
        h.returnHops !== undefined ? `back ${h.returnHops}` : '',
        h.returnHopsByAddr ? `back ${Object.entries(h.returnHopsByAddr).map(([a, n]) => `${a}:${n}`).join(' ')}` : '',
        h.initialTtl !== undefined ? `iTTL ${h.initialTtl}` : '',
        h.rateLimited ? 'rate-limited' : '',
        h.silent ? 'silent' : '',
      ].filter(Boolean);
      console.log(`  ${String(h.ttl).padStart(2)}  ${(h.v4 ?? []).join(' ')}  ${(h.v6 ?? []).join(' ')}${extra.length ? `  [${extra.join(', ')}]` : ''}`);
    }
  }
  for (const p of t.truth.paths) {
    for (const fam of ['v4', 'v6'] as const) if (p.links?.[fam]) console.log(`MDA links ${fam}: ${p.links[fam]!.map(([a, b]) => `${a}>${b}`).join(' ')}`);
  }
  if (t.truth.reorders) console.log(`one flow's packets get out of order after TTL ${t.truth.reorders.ttl} (${t.truth.reorders.node}, ${t.truth.reorders.addr}): ${t.truth.reorders.reason}`);
  if (t.truth.sessionDies) console.log(`an established TCP session dies at TTL ${t.truth.sessionDies.ttl} (${t.truth.sessionDies.node}, ${t.truth.sessionDies.addr}): ${t.truth.sessionDies.reason}`);
  for (const n of t.truth.notes ?? []) console.log(`note: ${n}`);
}

// `npm run lab -- list | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));

const [cmd, ...rest] = process.argv.slice(2);
try {
  switch (cmd) {
    case 'up': {
      const fresh = rest.includes('--fresh');
      const names = rest.filter((a) => a !== '--fresh');
      if (names.length === 0) usage();
      names.forEach((n) => getTopology(n));
      checkLabPrerequisites();
      for (const name of names) {
        const already = !fresh && labIsUp(name);
        const t0 = performance.now();
        labUp(name, { fresh });
        console.log(`${name} ${already ? 'was already up' : `is up (${Math.round(performance.now() - t0)} ms)`}; source namespace: hs-src`);
      }
      break;
    }
    case 'down':
      if (rest.length === 0) {
        labDown();
        console.log('the lab is down');
      }
      rest.forEach((n) => getTopology(n));
      for (const name of rest) {
        labDown(name);
        console.log(`${name} is down`);
      }
      break;
    case 'list': {
      const up = new Set(labList());
      for (const [name, t] of Object.entries(topologies)) {
        const state = !up.has(name) ? '' : labIsUp(name) ? 'up' : 'partial';
        console.log(`${state.padEnd(8)}${name.padEnd(14)} ${t.description}`);
      }
      const stray = labStrayNamespaces();
      if (stray.length) console.log(`other lab namespaces (tests' private copies; \`down\` with no name removes them): ${stray.join(' ')}`);
      break;
    }
    case 'truth':
      if (!rest[0]) usage();
      if (rest.includes('--json')) console.log(JSON.stringify(labTruth(rest[0]), null, 2));
      else printTruth(rest[0]);
      break;
    case 'exec': {
      const [name, node, sep, ...command] = rest;
      if (!name || !node || sep !== '--' || command.length === 0) usage();
      const topo = getTopology(name);
      if (!topo.nodes.some((n) => n.name === node)) throw new Error(`${name} has no node ${node}; nodes: ${topo.nodes.map((n) => n.name).join(', ')}`);
      checkLabPrerequisites();
      const r = spawnSync('ip', ['netns', 'exec', nsName(name, node), ...command], { stdio: 'inherit', timeout: EXEC_TIMEOUT_MS, killSignal: 'SIGKILL' });
      if (r.error) throw r.error;
      process.exit(r.status ?? 1);
    }
    default:
      usage();
  }
} catch (err) {
  console.error(`lab: ${(err as Error).message}`);
  process.exit(1);
}
