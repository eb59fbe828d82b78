import { ArgumentError } from '../probe/errors';

/**
 * The agent's wire protocol (see PROTOCOL.md): one JSON object per line, UTF-8, '\n'-ended.
 * Shared by the agent (server.ts) and the library's connection (client.ts).
 */

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [1];

/** Whole measurements the agent runs itself, streaming their records. */
export const METHOD_RUNS = ['trace', 'mda', 'path', 'sample'] as const;
export type MethodRun = (typeof METHOD_RUNS)[number];
/** In-session tracing: the agent holds the TCP connection and traces inside it. */
export const SESSION_METHODS = ['session.open', 'session.send', 'session.retransmissions', 'session.trace', 'session.close'] as const;
export const METHODS = ['probe', 'probeBatch', ...METHOD_RUNS, ...SESSION_METHODS, 'stats', 'addresses', 'route'] as const;
export type Method = (typeof METHODS)[number];

export type ErrorCode =
  | 'bad-request' // malformed line or field
  | 'unauthorized' // missing or wrong token
  | 'unsupported-version'
  | 'unknown-method'
  | 'unsupported' // a method this agent cannot serve
  | 'too-large' // a line over the size limit
  | 'too-many-requests' // over the concurrent request limit
  | 'budget' // over a probe or time budget
  | 'argument' // a bad option (ArgumentError)
  | 'privilege' // the agent cannot open raw sockets
  | 'cancelled'
  | 'failed';

export interface AgentLimits {
  maxLineBytes: number;
  maxRequests: number;
  maxBatch: number;
  maxProbesPerRequest: number;
  maxRequestMs: number;
  idleMs: number;
  rate: number;
}

export interface HelloReply {
  type: 'hello';
  version: number;
  agent: 'hopscope';
  pid: number;
  methods: readonly string[];
  limits: AgentLimits;
}

export type ClientMessage =
  | { type: 'hello'; versions: number[]; token?: string }
  | { type: 'request'; id: string; method: string; params?: unknown }
  | { type: 'cancel'; id: string }
  /** New wait for a probe or batch whose timeout is a function on the caller's side. */
  | { type: 'timeout'; id: string; timeoutMs: number }
  | { type: 'ping' };

export type AgentMessage =
  | HelloReply
  | { type: 'record'; id: string; record: unknown; index?: number }
  | { type: 'records'; id: string; records: unknown[] }
  | { type: 'progress'; id: string; stage: string; [k: string]: unknown }
  | { type: 'result'; id: string; result: unknown; stats?: unknown }
  | { type: 'error'; id: string | null; code: ErrorCode; message: string }
  | { type: 'pong' };

export class AgentError extends Error {
  constructor(
    readonly code: ErrorCode | 'disconnected',
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/**
 * Splits a byte stream into lines of at most `maxBytes`. A longer line is dropped (up to its
 * newline) and reported through `onOversize`, so one bad line does not end the stream.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    /** Called with the start of the dropped line (up to 256 bytes), where its request id usually is. */
    private readonly onOversize: (head: string) => void,
  ) {}

  private head(extra?: Buffer): string {
    return Buffer.concat(extra ? [...this.parts, extra] : this.parts).subarray(0, 256).toString('utf8');
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        if (!this.skipping) {
          this.parts.push(chunk.subarray(start));
          this.size += chunk.length - start;
          if (this.size > this.maxBytes) {
            const head = this.head();
            this.parts = [];
            this.size = 0;
            this.skipping = true;
            this.onOversize(head);
          }
        }
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else {
        const piece = chunk.subarray(start, nl);
        if (this.size + piece.length > this.maxBytes) this.onOversize(this.head(piece));
        else {
          const line = Buffer.concat([...this.parts, piece]).toString('utf8');
          if (line.trim() !== '') this.onLine(line);
        }
      }
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
  }
}

/** Parses 'unix:/path', 'tcp://host:port' or 'stdio'. */
export type AgentAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'stdio' };

/** `listening`: port 0 (any free port) is allowed. */
export function parseAgentAddress(address: string, argument = 'agent', listening = false): AgentAddress {
  const allowed = "'unix:/path/to/socket', 'tcp://host:port' or 'stdio'";
  if (typeof address !== 'string') throw new ArgumentError(argument, allowed, address);
  if (address === 'stdio') return { kind: 'stdio' };
  if (address.startsWith('unix:')) {
    const path = address.slice(5);
    if (path.length === 0 || path.length > 107) throw new ArgumentError(argument, `${allowed} (a socket path of 1 to 107 bytes)`, address);
    return { kind: 'unix', path };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})$/.exec(address);
  if (m) {
    const port = Number(m[2]);
    if (port < (listening ? 0 : 1) || port > 65535) throw new ArgumentError(argument, `${allowed} with a port from ${listening ? 0 : 1} to 65535`, address);
    return { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port };
  }
  throw new ArgumentError(argument, allowed, address);
}
