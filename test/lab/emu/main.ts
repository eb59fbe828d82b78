// The emulator process: `node --import tsx main.ts STATE_FILE TOPOLOGY_JSON`, started by
// labUp inside the Linux node that borders the emulated routers. It attaches to that
// node's TUN devices (made by labUp), runs the routers, writes its counters to STATE_FILE
// (first write = ready) and exits on SIGTERM or when its namespace is gone.
import { existsSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../types';
import { RealScheduler } from './delay';
import { buildEmuNet } from './net';
import { Emulator } from './router';

interface TunAddon {
  tunOpen(name: string): number;
  tunWatch(fd: number, cb: (packet: Buffer) => void): object;
  close6(handle: object): void;
}

const STATE_EVERY_MS = 1000;
const [statePath, topologyPath] = process.argv.slice(2);
const topo = JSON.parse(readFileSync(topologyPath, 'utf8')) as Topology;
const net = buildEmuNet(topo);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addon = require(join(__dirname, '../../../native/build/Release/hopsock.node')) as TunAddon;
const scheduler = new RealScheduler();
const fds = new Map<string, number>();
let writeErrors = 0;

const emulator = new Emulator(net, scheduler, (tun, packet) => {
  try {
    writeSync(fds.get(tun)!, packet);
  } catch {
    writeErrors++; // EAGAIN (queue full) or the device went away: a lost packet
  }
});

const handles = net.tuns.map((l) => {
  const fd = addon.tunOpen(l.tun);
  fds.set(l.tun, fd);
  return addon.tunWatch(fd, (packet) => emulator.fromTun(l.tun, new Uint8Array(packet.buffer, packet.byteOffset, packet.length)));
});

function writeState(): void {
  writeFileSync(statePath, JSON.stringify({ pid: process.pid, ...emulator.counters, writeErrors }) + '\n');
}

function stop(): void {
  scheduler.cancelAll();
  for (const h of handles) addon.close6(h);
  process.exit(0);
}

const netnsFile = process.env.HOPSCOPE_LAB_NETNS ? `/run/netns/${process.env.HOPSCOPE_LAB_NETNS}` : null;
setInterval(() => {
  if (netnsFile && !existsSync(netnsFile)) stop();
  writeState();
}, STATE_EVERY_MS);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
writeState();
