import { openSync, readlinkSync } from 'node:fs';
import { ArgumentError } from './errors';
import { nativeReceiver } from './sockets';

/**
 * Moves this process's probing into a network namespace (the lab's source node, from a
 * notebook kernel or REPL running on the host): the main thread enters the namespace, so
 * every socket and child process opened afterwards is created inside it; sockets opened
 * before (the kernel's own channels) stay where they were. Host names are still resolved
 * by the threads that started outside. Needs root (CAP_SYS_ADMIN) and the native addon.
 */
let originalFd: number | null = null;
let current: string | null = null;

function setns(path: string): void {
  const native = nativeReceiver() as { setns?: (path: string) => void } | null;
  if (!native?.setns) throw new Error('entering a network namespace needs the native addon (native/hopsock): run `npm ci` (or node scripts/postinstall.js) with a C compiler installed');
  try {
    native.setns(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM') throw new Error(`entering network namespace ${path} needs root (CAP_SYS_ADMIN): run as root`);
    throw err;
  }
}

/** Enters the namespace `name` (as `ip netns` names it, under /run/netns) or at a path. */
export function enterNetns(nameOrPath: string): void {
  if (typeof nameOrPath !== 'string' || !/^[A-Za-z0-9_.@/-]+$/.test(nameOrPath)) throw new ArgumentError('namespace', 'an `ip netns` name or a path', nameOrPath);
  const path = nameOrPath.includes('/') ? nameOrPath : `/run/netns/${nameOrPath}`;
  // Keep a handle on where the process started, to come back to it.
  originalFd ??= openSync('/proc/thread-self/ns/net', 'r');
  setns(path);
  current = nameOrPath;
}

/** Back to the namespace the process started in. */
export function leaveNetns(): void {
  if (originalFd === null || current === null) return;
  setns(`/proc/self/fd/${originalFd}`);
  current = null;
}

/** The namespace entered with enterNetns (null: the one the process started in), and its inode. */
export function currentNetns(): { name: string | null; inode: string } {
  return { name: current, inode: readlinkSync('/proc/thread-self/ns/net') };
}
