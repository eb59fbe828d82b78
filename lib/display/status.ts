/**
 * Can this process probe? The hopscope kernel prints this as the first output of the first
 * cell it runs; `kernelStatus()` gives the same in any cell, CLI or REPL.
 */
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';

const CAP_NET_RAW = 13;

export interface KernelStatus {
  /** Raw sockets open here: hopscope can send probes. */
  canProbe: boolean;
  uid: number | null;
  user: string;
  /** CAP_NET_RAW in the effective set (null when /proc cannot tell). */
  capNetRaw: boolean | null;
  /** Why probing does not work (empty when it does). */
  reason: string;
  /** What to do about it, one action per line. */
  advice: string[];
  node: string;
  /** Human-readable summary (what the kernel prints first). */
  message: string;
}

function effectiveCapNetRaw(): boolean | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return null;
    return (BigInt('0x' + m[1]) >> BigInt(CAP_NET_RAW)) & 1n ? true : false;
  } catch {
    return null;
  }
}

function nodePath(): string {
  try {
    return realpathSync(process.execPath);
  } catch {
    return process.execPath;
  }
}

/** HOPSCOPE_REPLAY asks the notebooks to replay their recordings (see lib/replay). */
function replayMode(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env.HOPSCOPE_REPLAY ?? '');
}

/** Ways to get probing to work, for a process that cannot open raw sockets. */
export function privilegeAdvice(): string[] {
  return [
    'start Jupyter as root (sudo npm start), or',
    `grant node the capability once, then restart the kernel: sudo setcap cap_net_raw+ep ${nodePath()}`,
  ];
}

/**
 * Checks whether this process can probe by opening a raw socket (the probe engine's own
 * check), and explains the answer.
 */
export function kernelStatus(): KernelStatus {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  let user = String(uid ?? '?');
  try {
    user = os.userInfo().username;
  } catch {
    /* no passwd entry */
  }
  const capNetRaw = effectiveCapNetRaw();
  let canProbe = false;
  let reason = '';
  try {
    const probe = require('../probe') as typeof import('../probe');
    canProbe = probe.canProbe();
    if (!canProbe) {
      reason =
        uid === 0
          ? 'this kernel runs as root but without CAP_NET_RAW (a restricted container?), so it cannot open raw sockets'
          : `this kernel runs as ${user} (uid ${uid ?? '?'}) without CAP_NET_RAW, so it cannot open raw sockets`;
    }
  } catch (err) {
    reason = `raw sockets are unavailable: ${(err as Error).message}`;
  }
  const advice = canProbe ? [] : privilegeAdvice();
  const who = `${user}${uid !== null ? ` (uid ${uid})` : ''}`;
  const head = `hopscope · Node ${process.version} · ${who}`;
  const replay = replayMode();
  const message = replay
    ? [
        `${head}`,
        'replay mode (HOPSCOPE_REPLAY=1): probing calls made through hs.replay.recorder() read their recordings',
        "(the notebook's data/NN-*.jsonl) and send nothing; a call that was not recorded is an error.",
        canProbe ? 'This kernel could probe: unset HOPSCOPE_REPLAY (or pick "TypeScript (hopscope)") to probe live.' : `Probing itself would not work here: ${reason}.`,
      ].join('\n')
    : canProbe
      ? `${head}\nprobing works: this kernel can open raw sockets${uid === 0 ? ' (root)' : ' (CAP_NET_RAW)'}.`
      : [
          `${head}`,
          `probing will NOT work: ${reason}.`,
          'To probe from this notebook:',
          ...advice.map((a) => `  - ${a}`),
          'Or replay what was recorded: the notebooks in notebooks/ carry their probe records (notebooks/data/);',
          'pick the kernel "TypeScript (hopscope, replay)" (Kernel > Change kernel) or start Jupyter with HOPSCOPE_REPLAY=1,',
          'and every probing call reads its recording instead of probing.',
          'Reading, analysing and charting saved probe records works without privileges.',
        ].join('\n');
  return { canProbe, uid, user, capNetRaw, reason, advice, node: process.version, message };
}
