import type { ProbeRecord } from '../record';

export interface SessionDivergence {
  /** Highest TTL that answered a probe inside the session. */
  lastSessionTtl: number | null;
  /** Did fresh SYNs get further (or reach the target) where the session stopped? */
  diverges: boolean;
  /** TTL and address (from the SYN trace) of the first hop the session never got past: the likely stateful device. */
  suspectTtl: number | null;
  suspect: string | null;
}

/**
 * Where a trace inside an established session stops while a fresh-SYN trace of the same
 * path goes on: the hop after the last one the session reached is where its packets die.
 */
export function compareSessionToSyn(synRecords: readonly ProbeRecord[], sessionRecords: readonly ProbeRecord[]): SessionDivergence {
  const answered = (rs: readonly ProbeRecord[]) => rs.filter((r) => r.addr !== null).map((r) => r.ttl);
  const sessionTtls = answered(sessionRecords);
  const lastSessionTtl = sessionTtls.length ? Math.max(...sessionTtls) : null;
  const synMax = Math.max(0, ...answered(synRecords));
  const diverges = synMax > (lastSessionTtl ?? 0);
  if (!diverges) return { lastSessionTtl, diverges, suspectTtl: null, suspect: null };
  const suspectTtl = (lastSessionTtl ?? 0) + 1;
  const suspect = synRecords.find((r) => r.ttl === suspectTtl && r.addr !== null)?.addr ?? null;
  return { lastSessionTtl, diverges, suspectTtl, suspect };
}
