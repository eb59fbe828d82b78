import type { SessionTraceOptions, SessionTraceResult } from '../probe';
import type { AgentProber } from './client';

/**
 * An in-session tracing connection held by an agent (the agent's kernel owns the TCP
 * socket; probes go out from the agent): the parts of Session a caller uses, over the wire.
 */
export class RemoteSession {
  /** Bytes written through the connection so far. */
  sent = 0;
  lastTrace: SessionTraceResult | null = null;
  private closed = false;

  constructor(
    private readonly agent: AgentProber,
    readonly id: string,
    readonly dst: string,
    readonly port: number,
    readonly src: string,
    readonly sport: number,
    /** MTU of the agent's outgoing interface. */
    readonly mtu: number,
    readonly run: string,
  ) {}

  async send(n = 1): Promise<void> {
    const r = await this.agent.request<{ sent: number }>('session.send', { session: this.id, n }).result;
    this.sent = r.sent;
  }

  retransmissions(): Promise<{ current: number; total: number } | null> {
    return this.agent.request<{ current: number; total: number } | null>('session.retransmissions', { session: this.id }).result;
  }

  async trace(options: SessionTraceOptions = {}): Promise<SessionTraceResult> {
    const { signal, ...wire } = options;
    const req = this.agent.request<SessionTraceResult>('session.trace', { session: this.id, options: wire });
    const onAbort = () => req.cancel();
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.lastTrace = await req.result;
      return this.lastTrace;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the agent's connection to the server; never throws (the agent may be gone). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.request('session.close', { session: this.id }).result.catch(() => {});
  }
}
