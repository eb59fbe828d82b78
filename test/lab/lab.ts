import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, appendFileSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabNode, LabService, Topology } from './types';
import { topologies } from './topologies';

/** Every lab namespace starts with this, so nothing collides with the host's own. */
export const PREFIX = 'hs-';
export const SRC_ALIAS = 'hs-src';
const STATE_DIR = '/run/hopscope-lab';
const ALIAS_STATE = `${STATE_DIR}/src-alias`;
const NETNS_DIR = '/run/netns';
const CMD_TIMEOUT_MS = 15_000;

/** Defaults for every node: forwarding on, deterministic addressing, no ICMP rate limits unless a topology sets them. */
const DEFAULT_SYSCTLS: Record<string, string | number> = {
  'net.ipv4.ip_forward': 1,
  'net.ipv6.conf.all.forwarding': 1,
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 0,
  'net.ipv6.conf.all.accept_dad': 0,
  'net.ipv6.conf.default.accept_dad': 0,
  'net.ipv6.conf.all.accept_ra': 0,
  'net.ipv6.conf.default.accept_ra': 0,
  'net.ipv6.conf.default.autoconf': 0,
  'net.ipv4.icmp_ratelimit': 0,
  'net.ipv6.icmp.ratelimit': 0,
  'net.ipv4.icmp_msgs_per_sec': 100000,
  'net.ipv4.icmp_msgs_burst': 100000,
};

export function nsName(topo: string, node: string): string {
  return `${PREFIX}${topo}-${node}`;
}

/** Private copies made by `labPrivate` in this process, by name. */
const privateCopies = new Map<string, Topology>();

export function getTopology(name: string): Topology {
  const t = topologies[name] ?? privateCopies.get(name);
  if (!t) throw new Error(`unknown lab topology ${JSON.stringify(name)}; known: ${Object.keys(topologies).join(', ')}`);
  return t;
}

/** Every topology this process knows: the declared ones and its own private copies. */
function knownTopologies(): Topology[] {
  return [...Object.values(topologies), ...privateCopies.values()];
}

/**
 * A private copy of topology `name` for one test: the same nodes, links and truth under the
 * name `NAME-TAG` (namespaces `hs-NAME-TAG-NODE`), so the test may rebuild it, reset its
 * counters or take it down without disturbing anyone using `NAME` itself. `labUp` does not
 * point `hs-src` at a private copy (unless asked); `down` with no name removes copies left by
 * crashed processes. TAG: lower-case letters and digits, by default `p<pid>`.
 */
export function labPrivate(name: string, tag = `p${process.pid}`): Topology {
  if (!/^[a-z0-9]+$/.test(tag)) throw new Error(`private copy tag ${JSON.stringify(tag)}: use lower-case letters and digits`);
  const base = topologies[name];
  if (!base) throw new Error(`unknown lab topology ${JSON.stringify(name)}`);
  const copy: Topology = { ...structuredClone(base), name: `${base.name}-${tag}` };
  privateCopies.set(copy.name, copy);
  return copy;
}

/**
 * True when namespace `ns` is one of topology `topo`'s nodes. Node names have no `-`, so
 * `hs-ratelimit-p12-src` belongs to `ratelimit-p12`, not to `ratelimit`.
 */
function belongsTo(ns: string, topo: string): boolean {
  const prefix = `${PREFIX}${topo}-`;
  return ns.startsWith(prefix) && /^[a-z0-9]+$/.test(ns.slice(prefix.length));
}

function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { input, timeout: CMD_TIMEOUT_MS, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

export function checkLabPrerequisites(): void {
  if (process.getuid && process.getuid() !== 0) {
    throw new Error('the lab needs root (it creates network namespaces): run this command as root, e.g. with sudo');
  }
  for (const [tool, pkg] of [['ip', 'iproute2'], ['tc', 'iproute2'], ['nft', 'nftables'], ['sysctl', 'procps']]) {
    if (!onPath(tool)) throw new Error(`the lab needs ${tool}, which is not on PATH: apt-get install -y ${pkg}`);
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir || '.', tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Names of the lab namespaces that exist now. */
export function labNamespaces(): string[] {
  const out = run('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(PREFIX));
}

/** Topologies that are (at least partly) up: declared ones, and this process's private copies. */
export function labList(): string[] {
  const ns = labNamespaces();
  return knownTopologies()
    .map((t) => t.name)
    .filter((t) => ns.some((n) => belongsTo(n, t)));
}

/** Lab namespaces that belong to no topology this process knows (e.g. other processes' private copies). */
export function labStrayNamespaces(): string[] {
  const names = knownTopologies().map((t) => t.name);
  return labNamespaces().filter((n) => n !== SRC_ALIAS && !names.some((t) => belongsTo(n, t)));
}

/** The topology `hs-src` points at, or null. */
export function labSrcAlias(): string | null {
  return aliasTarget();
}

/** The topology whose source `hs-src` points at (by the state file, or by the namespace itself). */
function aliasTarget(): string | null {
  const alias = `${NETNS_DIR}/${SRC_ALIAS}`;
  if (!existsSync(alias)) return null;
  if (existsSync(ALIAS_STATE)) return readFileSync(ALIAS_STATE, 'utf8').trim();
  const ino = statSync(alias).ino;
  for (const t of knownTopologies()) {
    const src = `${NETNS_DIR}/${nsName(t.name, t.source)}`;
    if (existsSync(src) && statSync(src).ino === ino) return t.name;
  }
  return null;
}

function removeAlias(): void {
  const alias = `${NETNS_DIR}/${SRC_ALIAS}`;
  if (existsSync(alias)) {
    try {
      run('umount', [alias]);
    } catch {
      /* not mounted */
    }
    rmSync(alias, { force: true });
  }
  rmSync(ALIAS_STATE, { force: true });
}

function setAlias(topo: Topology): void {
  removeAlias();
  mkdirSync(STATE_DIR, { recursive: true });
  const alias = `${NETNS_DIR}/${SRC_ALIAS}`;
  writeFileSync(alias, '');
  run('mount', ['--bind', `${NETNS_DIR}/${nsName(topo.name, topo.source)}`, alias]);
  writeFileSync(ALIAS_STATE, topo.name);
}

/** Removes one topology (or, without a name, everything the lab made: every `hs-` namespace, leases included). */
export function labDown(name?: string): void {
  checkLabPrerequisites();
  if (name !== undefined) getTopology(name);
  withLock(() => {
    teardown(name);
    const mine = (f: string) => name === undefined || f === `${name}.owned` || f.startsWith(`${name}.`);
    for (const f of existsSync(STATE_DIR) ? readdirSync(STATE_DIR) : []) if (f.endsWith('.owned') && mine(f)) rmSync(join(STATE_DIR, f), { force: true });
    for (const f of existsSync(LEASE_DIR) ? readdirSync(LEASE_DIR) : []) if (mine(f) && (name === undefined || /^\d+$/.test(f.slice(name.length + 1)))) rmSync(join(LEASE_DIR, f), { force: true });
    if (existsSync(LEASE_DIR) && readdirSync(LEASE_DIR).length === 0) rmSync(LEASE_DIR, { recursive: true, force: true });
  });
  removeEmptyStateDir();
}

/** Namespaces (with their veths), services, the alias if it points here, the up stamp. */
function teardown(name?: string): void {
  const alias = aliasTarget();
  if (name === undefined || alias === name || alias === null) removeAlias();
  const doomed = labNamespaces().filter((n) => n !== SRC_ALIAS && (name === undefined || belongsTo(n, name)));
  for (const ns of doomed) killServices(ns);
  if (doomed.length) run('ip', ['-batch', '-'], doomed.map((ns) => `netns del ${ns}`).join('\n') + '\n');
  if (name !== undefined) rmSync(stampPath(name), { force: true });
  else for (const f of existsSync(STATE_DIR) ? readdirSync(STATE_DIR) : []) if (f.endsWith('.up') || f.endsWith('.pids')) rmSync(join(STATE_DIR, f), { force: true });
}

const LOCK_DIR = `${STATE_DIR}/lock`;
/** How long `up` waits for other users before rebuilding a topology under them. */
const FOREIGN_WAIT_MS = 30_000;
const LOCK_WAIT_MS = 60_000;
let lockDepth = 0;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` holding the lab's lock (a directory with the holder's pid; re-entrant in this
 * process), so that processes bringing topologies up and down at the same time take turns.
 * A lock whose holder died is taken over; waiting is bounded (LOCK_WAIT_MS).
 */
function withLock<T>(fn: () => T): T {
  if (lockDepth > 0) {
    lockDepth++;
    try {
      return fn();
    } finally {
      lockDepth--;
    }
  }
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline || attempt > LOCK_WAIT_MS) throw new Error(`the lab is busy: could not take ${LOCK_DIR} in ${LOCK_WAIT_MS / 1000} s`);
    try {
      mkdirSync(STATE_DIR, { recursive: true });
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // the state directory was removed meanwhile: try again
      if (code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
      } catch {
        /* being created or released */
      }
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK_DIR).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if ((owner > 0 && !alive(owner)) || (!owner && age > 5000)) {
        rmSync(LOCK_DIR, { recursive: true, force: true }); // its holder died
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the lab is busy: ${LOCK_DIR} held by pid ${owner || '?'} for ${Math.round(age / 1000)} s`);
      sleepMs(20);
    }
  }
  lockDepth = 1;
  try {
    return fn();
  } finally {
    lockDepth = 0;
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function removeEmptyStateDir(): void {
  try {
    if (existsSync(STATE_DIR) && readdirSync(STATE_DIR).length === 0) rmdirSync(STATE_DIR);
  } catch {
    /* someone else is writing there (rmdir never removes a directory that is not empty) */
  }
}

const stampPath = (topo: string) => `${STATE_DIR}/${topo}.up`;

/** Fingerprint of what `up` builds: the topology data and the service scripts it starts. */
function fingerprint(topo: Topology): string {
  // Only what `up` builds: editing the truth or a description does not rebuild anything.
  const h = createHash('sha256').update(JSON.stringify({ source: topo.source, nodes: topo.nodes, links: topo.links, lsps: topo.lsps }));
  for (const node of topo.nodes) for (const svc of servicesOf(topo, node)) h.update(readFileSync(join(__dirname, 'services', svc.script)));
  return h.digest('hex').slice(0, 16);
}

/** True when `name` was completely built by `up` from the current definition and all its namespaces exist. */
export function labIsUp(name: string): boolean {
  const topo = getTopology(name);
  if (!existsSync(stampPath(name)) || readFileSync(stampPath(name), 'utf8').trim() !== fingerprint(topo)) return false;
  const have = new Set(labNamespaces());
  return linuxNodes(topo).every((n) => have.has(nsName(name, n.name)));
}

function killServices(ns: string): void {
  const pidFile = `${STATE_DIR}/${ns}.pids`;
  if (!existsSync(pidFile)) return;
  for (const pid of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean)) {
    try {
      process.kill(-Number(pid), 'SIGTERM'); // the whole group: ip netns exec and the service
    } catch {
      /* gone */
    }
  }
  rmSync(pidFile, { force: true });
  for (const f of existsSync(STATE_DIR) ? readdirSync(STATE_DIR) : []) if (f.startsWith(`${ns}-`) || f.startsWith(`${ns}.`)) rmSync(join(STATE_DIR, f), { force: true });
}

function linuxNodes(topo: Topology): LabNode[] {
  return topo.nodes.filter((n) => n.kind !== 'emulated');
}

/**
 * A node's services; the Linux node bordering emulated routers also runs the router
 * emulator (test/lab/emu/main.ts), given the topology as JSON next to its pid files.
 */
function servicesOf(topo: Topology, node: LabNode): LabService[] {
  const own = node.services ?? [];
  if (node.kind === 'emulated') return own;
  const emulated = new Set(topo.nodes.filter((n) => n.kind === 'emulated').map((n) => n.name));
  const borders = topo.links.some(({ a, b }) => (a.node === node.name && emulated.has(b.node)) || (b.node === node.name && emulated.has(a.node)));
  if (!borders) return own;
  const json = `${STATE_DIR}/${nsName(topo.name, node.name)}.emu.json`;
  if (!existsSync(json) || readFileSync(json, 'utf8') !== JSON.stringify(topo)) {
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(json, JSON.stringify(topo));
  }
  return [...own, { name: 'emu', script: '../emu/main.ts', args: [json] }];
}

/** The emulator's TUN devices need /dev/net/tun (made here when the tun module is there but the node is not). */
function checkTun(): void {
  if (existsSync('/dev/net/tun')) return;
  try {
    mkdirSync('/dev/net', { recursive: true });
    run('mknod', ['/dev/net/tun', 'c', '10', '200']);
    run('chmod', ['0666', '/dev/net/tun']);
  } catch (err) {
    throw new Error(`the lab's router emulator needs /dev/net/tun (character device 10,200, kernel module tun): ${(err as Error).message}`);
  }
}

/** Where a service keeps its state (e.g. a byte count) for tests to read. */
export function serviceStatePath(topo: string, node: string, service: string): string {
  return `${STATE_DIR}/${nsName(topo, node)}-${service}`;
}

const servicePidPath = (ns: string, service: string) => `${STATE_DIR}/${ns}.${service}.pid`;

/** True when the service (`ip netns exec` exec'd into the script, one pid) still runs; a zombie is dead. */
function serviceAlive(ns: string, service: string): boolean {
  try {
    const pid = Number(readFileSync(servicePidPath(ns, service), 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

/**
 * Restarts the services of an up topology that have died (ended by hand, or by a crash),
 * so `up` on a lab left running keeps its promise that the topology works.
 */
function reviveServices(topo: Topology): void {
  for (const node of linuxNodes(topo))
    for (const svc of servicesOf(topo, node)) {
      const ns = nsName(topo.name, node.name);
      if (serviceAlive(ns, svc.name)) continue;
      rmSync(serviceStatePath(topo.name, node.name, svc.name), { force: true });
      startService(topo, node.name, svc);
    }
}

function startService(topo: Topology, node: string, svc: LabService): void {
  const ns = nsName(topo.name, node);
  mkdirSync(STATE_DIR, { recursive: true });
  const script = join(__dirname, 'services', svc.script);
  const loader = script.endsWith('.ts') ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...loader, script, serviceStatePath(topo.name, node, svc.name), ...svc.args], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, HOPSCOPE_LAB_NETNS: ns },
  });
  child.unref();
  appendFileSync(`${STATE_DIR}/${ns}.pids`, `${child.pid}\n`);
  writeFileSync(servicePidPath(ns, svc.name), String(child.pid));
  // Ready when it has written its state file (bounded wait).
  const deadline = Date.now() + 5000;
  while (!existsSync(serviceStatePath(topo.name, node, svc.name))) {
    if (Date.now() > deadline) throw new Error(`service ${svc.name} in ${ns} did not start`);
    execFileSync('sleep', ['0.02']);
  }
}

/**
 * `key=value` arguments of the node's sysctls: `early` ones are set before its interfaces
 * exist; the others (net.netfilter.*) after its nftables ruleset is loaded, since on a
 * modular kernel they only exist once a `ct` rule has loaded nf_conntrack.
 */
function sysctlArgs(node: LabNode, phase: 'early' | 'late'): string[] {
  const all = { ...DEFAULT_SYSCTLS, ...(node.sysctls ?? {}) };
  return Object.entries(all)
    .filter(([k]) => k.startsWith('net.netfilter.') === (phase === 'late'))
    .map(([k, v]) => `${k}=${v}`);
}

/**
 * Brings a topology up. Idempotent: a topology that is completely up from the current
 * definition is left as it is (only `hs-src` is pointed at it), so tests sharing it are
 * not disturbed; anything else (half-built, stale, `fresh`) is removed and built again —
 * but a complete build that other live processes hold leases on (built from another
 * definition, e.g. another checkout, or `fresh` asked) is first given up to 30 s to be
 * released. `alias` (default: true, false for private copies) points `hs-src` at its source.
 */
export function labUp(name: string, options: { fresh?: boolean; alias?: boolean } = {}): Topology {
  checkLabPrerequisites();
  const topo = getTopology(name);
  if (topo.nodes.some((n) => n.kind === 'emulated')) checkTun();
  const alias = options.alias ?? !privateCopies.has(name);
  const deadline = Date.now() + FOREIGN_WAIT_MS;
  for (;;) {
    const users: number[] = [];
    const built = withLock(() => {
      if (!options.fresh && labIsUp(name)) {
        // As a fresh copy would be for a tool at the source: no path MTU learnt by earlier runs.
        const src = nsName(name, topo.source);
        run('ip', ['-n', src, 'route', 'flush', 'cache']);
        run('ip', ['-n', src, '-6', 'route', 'flush', 'cache']);
        reviveServices(topo);
        if (alias) setAlias(topo);
        return topo;
      }
      // Completely built (from another definition of it, e.g. another checkout, or `fresh`
      // was asked) and in use by other processes: wait for them, up to FOREIGN_WAIT_MS.
      users.push(...liveLeases(name).filter((pid) => pid !== process.pid));
      if (existsSync(stampPath(name)) && users.length > 0 && Date.now() < deadline) return null;
      if (users.length > 0) process.emitWarning(`lab: rebuilding ${name} although pid(s) ${users.join(', ')} still hold leases on it (waited ${FOREIGN_WAIT_MS / 1000} s)`);
      teardown(name);
      try {
        build(topo);
        if (alias) setAlias(topo);
        writeFileSync(stampPath(name), fingerprint(topo));
      } catch (err) {
        teardown(name);
        throw err;
      }
      return topo;
    });
    if (built) return built;
    sleepMs(250);
  }
}

/** Builds every node of `topo` (nothing of it may exist yet). */
function build(topo: Topology): void {
  const ns = (node: string) => {
    if (!topo.nodes.some((n) => n.name === node)) throw new Error(`${topo.name}: a link names unknown node ${node}`);
    return nsName(topo.name, node);
  };
  const linux = linuxNodes(topo);
  const isLinux = (node: string) => linux.some((n) => n.name === node);
  // One batch in the root namespace: the namespaces, their sysctls (before any interface
  // exists, so `default.*` settings reach every interface), and the veth pairs, each end
  // created directly inside its namespace (nothing ever appears in the root namespace).
  const root: string[] = [];
  for (const node of linux) root.push(`netns add ${ns(node.name)}`);
  for (const node of linux) root.push(`netns exec ${ns(node.name)} sysctl -qw ${sysctlArgs(node, 'early').join(' ')}`);
  const perNode = new Map<string, string[]>(linux.map((n) => [n.name, ['link set lo up']]));
  for (const { a, b, mtu } of topo.links) {
    // Links among emulated routers exist only in the emulator; a Linux end facing one is a
    // persistent TUN device the emulator attaches to.
    if (isLinux(a.node) && isLinux(b.node)) root.push(`link add ${a.ifname} netns ${ns(a.node)} type veth peer name ${b.ifname} netns ${ns(b.node)}`);
    for (const end of [a, b]) {
      if (!isLinux(end.node)) continue;
      const cmds = perNode.get(end.node)!;
      if (!isLinux(a.node === end.node ? b.node : a.node)) cmds.push(`tuntap add dev ${end.ifname} mode tun`);
      if (mtu) cmds.push(`link set ${end.ifname} mtu ${mtu}`);
      if (end.v4) cmds.push(`addr add ${end.v4} dev ${end.ifname}`);
      if (end.v6) cmds.push(`addr add ${end.v6} dev ${end.ifname} nodad`);
      cmds.push(`link set ${end.ifname} up`);
    }
  }
  run('ip', ['-batch', '-'], root.join('\n') + '\n');
  for (const node of linux) {
    const cmds = perNode.get(node.name)!;
    for (const r of node.routes4 ?? []) cmds.push(`route add ${r}`);
    for (const r of node.routes6 ?? []) cmds.push(`route add ${r}`);
    for (const r of node.rules4 ?? []) cmds.push(`rule add ${r}`);
    run('ip', ['-n', ns(node.name), '-batch', '-'], cmds.join('\n') + '\n');
    // A batch cannot name the family of a rule; IPv6 rules go one by one.
    for (const r of node.rules6 ?? []) run('ip', ['-n', ns(node.name), '-6', 'rule', 'add', ...r.split(' ')]);
    if (node.tc?.length) run('tc', ['-n', ns(node.name), '-batch', '-'], node.tc.join('\n') + '\n');
    if (node.nft) run('ip', ['netns', 'exec', ns(node.name), 'nft', '-f', '-'], node.nft);
    const late = sysctlArgs(node, 'late');
    if (late.length) run('ip', ['netns', 'exec', ns(node.name), 'sysctl', '-qw', ...late]);
  }
  warmNeighbours(topo);
  for (const node of linux) for (const svc of servicesOf(topo, node)) startService(topo, node.name, svc);
}

const LEASE_DIR = `${STATE_DIR}/leases`;
const ownerPath = (topo: string) => `${STATE_DIR}/${topo}.owned`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes (other than dead ones) holding a lease on `topo`. */
function liveLeases(topo: string): number[] {
  if (!existsSync(LEASE_DIR)) return [];
  return readdirSync(LEASE_DIR)
    .filter((f) => f.startsWith(`${topo}.`) && /^\d+$/.test(f.slice(topo.length + 1)))
    .map((f) => Number(f.slice(topo.length + 1)))
    .filter(alive);
}

/**
 * For code that shares topologies with other processes (tests running at the same time):
 * uses `name` if it is already up, brings it up otherwise, and records a lease for this
 * process. Pair with `labRelease`.
 */
export function labAcquire(name: string): Topology {
  checkLabPrerequisites();
  getTopology(name);
  return withLock(() => {
    mkdirSync(LEASE_DIR, { recursive: true });
    const wasUp = labIsUp(name);
    writeFileSync(`${LEASE_DIR}/${name}.${process.pid}`, '');
    const topo = labUp(name);
    if (!wasUp) writeFileSync(ownerPath(name), String(process.pid));
    return topo;
  });
}

/**
 * Drops this process's lease. The topology is taken down only if a lease holder brought it
 * up (not a person or a plain `labUp`) and no live process holds a lease on it any more.
 */
export function labRelease(name: string): void {
  withLock(() => {
    rmSync(`${LEASE_DIR}/${name}.${process.pid}`, { force: true });
    if (existsSync(ownerPath(name)) && liveLeases(name).length === 0) labDown(name);
    if (existsSync(LEASE_DIR) && readdirSync(LEASE_DIR).length === 0) rmSync(LEASE_DIR, { recursive: true, force: true });
  });
  removeEmptyStateDir();
}

/**
 * Resolves ARP / neighbour discovery on every link (one ping each way, all at once), so the
 * first probe of a test does not wait a second for IPv6 neighbour discovery.
 */
function warmNeighbours(topo: Topology): void {
  const pings: string[] = [];
  const bare = (a: string) => a.split('/')[0];
  const emulated = new Set(topo.nodes.filter((n) => n.kind === 'emulated').map((n) => n.name));
  for (const { a, b } of topo.links) {
    if (emulated.has(a.node) || emulated.has(b.node)) continue;
    for (const [from, to] of [[a, b], [b, a]]) {
      for (const addr of [to.v4, to.v6]) {
        if (addr) pings.push(`ip netns exec ${nsName(topo.name, from.node)} ping -q -c 1 -W 2 ${bare(addr)} >/dev/null 2>&1 &`);
      }
    }
  }
  run('sh', ['-c', `${pings.join('\n')}\nwait`]);
}

export function labTruth(name: string): Topology['truth'] {
  return getTopology(name).truth;
}

/** Runs a command inside a lab node; returns stdout. */
export function execIn(topo: string, node: string, cmd: string, args: string[], options: { timeoutMs?: number; input?: string } = {}): string {
  getTopology(topo);
  try {
    return execFileSync('ip', ['netns', 'exec', nsName(topo, node), cmd, ...args], {
      input: options.input,
      timeout: options.timeoutMs ?? CMD_TIMEOUT_MS,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} in ${nsName(topo, node)} failed: ${(e.stderr || e.message).trim()}\n${e.stdout ?? ''}`);
  }
}

/** Brings a topology up unless it is already up (`labUp` is idempotent; kept for callers). */
export function ensureUp(name: string): Topology {
  return labUp(name);
}
