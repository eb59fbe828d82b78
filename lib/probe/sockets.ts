import type { RawSocket } from 'raw-socket';
import type { IpVersion } from '../record';
import { PrivilegeError } from './errors';

// raw-socket is a native addon: load it only when a socket is really opened, so the
// rest of the library (analysis, charts) works where it is not built.
function rawModule(): typeof import('raw-socket') {
  return require('raw-socket') as typeof import('raw-socket');
}

const IPPROTO_RAW = 255;
const IPV6_HDRINCL = 36;
const RECV_BUFFER = 65535;
const SO_RCVBUF_BYTES = 4 << 20;

export type RecvProto = 'icmp' | 'tcp';

/** A packet as a receive socket delivered it, stamped on arrival. */
export interface ReceivedPacket {
  ipVersion: IpVersion;
  proto: RecvProto;
  /** IPv4: the whole datagram; IPv6: the ICMPv6 message or TCP segment (no IPv6 header). */
  bytes: Uint8Array;
  from: string;
  /**
   * Arrival time on process.hrtime.bigint()'s clock, nanoseconds: the kernel's receive
   * timestamp when the native receiver is built (event-loop delays excluded), else the time
   * the packet reached JavaScript.
   */
  at: bigint;
  /** IPv6 hop limit of the packet as received (null when the native receiver is missing). */
  hopLimit: number | null;
}

type NativeCallback = (buf: Buffer, src: string, hopLimit: number | null, at?: bigint) => void;

interface NativeRecv {
  /** Both families, kernel receive timestamps (absent from builds before it was added). */
  open?(family: IpVersion, protocol: number, device: string | null, cb: NativeCallback): object;
  open6(protocol: number, device: string | null, cb: NativeCallback): object;
  close6(handle: object): void;
}

let nativeRecv: NativeRecv | null | undefined;
/** The native receiver (native/hopsock), or null when it was not built. */
export function nativeReceiver(): NativeRecv | null {
  if (nativeRecv === undefined) {
    try {
      nativeRecv = require('../../native/build/Release/hopsock.node') as NativeRecv;
    } catch {
      nativeRecv = null;
    }
  }
  return nativeRecv;
}
/** @deprecated the same as nativeReceiver(). */
export const nativeIpv6Receiver = nativeReceiver;

/** Whether replies get kernel receive timestamps (and IPv6 hop limits) from native/hopsock. */
export function receiveTimestamps(): 'kernel' | 'process' {
  return nativeReceiver()?.open ? 'kernel' : 'process';
}

export interface RawIoOptions {
  ipVersion: IpVersion;
  /** Which replies to listen for. */
  receive: readonly RecvProto[];
  /** SO_BINDTODEVICE on every socket. */
  device?: string;
}

function isPermissionError(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /EPERM|EACCES|Operation not permitted|Permission denied/i.test(msg);
}

/**
 * The raw sockets of one address family: one that sends complete IP datagrams
 * (IP_HDRINCL / IPV6_HDRINCL, so TTL, IP-ID, TOS and flow label are the probe's own,
 * with no per-send socket option to race) and one receive socket per reply protocol.
 */
export class RawIo {
  private readonly sender: RawSocket;
  private readonly receivers: RawSocket[] = [];
  private readonly nativeHandles: object[] = [];
  private handler: (p: ReceivedPacket) => void = () => {};
  private closed = false;
  /** Errors raised by the sockets after opening (reported, never thrown into the loop). */
  readonly errors: Error[] = [];

  private constructor(readonly options: RawIoOptions) {
    const raw = rawModule();
    const family = options.ipVersion === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6;
    const open = (protocol: number) => {
      try {
        const s = raw.createSocket({ addressFamily: family, protocol, bufferSize: RECV_BUFFER });
        s.on('error', (e) => this.errors.push(e));
        if (options.device) {
          const name = Buffer.from(options.device + '\0');
          s.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_BINDTODEVICE, name, name.length);
        }
        return s;
      } catch (err) {
        if (isPermissionError(err)) throw new PrivilegeError(err);
        throw err;
      }
    };
    this.sender = open(IPPROTO_RAW);
    if (options.ipVersion === 6) this.sender.setOption(raw.SocketLevel.IPPROTO_IPV6, IPV6_HDRINCL, 1);
    // The native receiver when built: both families with kernel timestamps, or (an older
    // build) IPv6 only for its hop limits; raw-socket otherwise.
    const native = nativeReceiver();
    const useNative = native !== null && (native.open !== undefined || options.ipVersion === 6);
    for (const proto of new Set(options.receive)) {
      const protocol = proto === 'tcp' ? 6 : options.ipVersion === 4 ? 1 : 58;
      if (useNative) {
        const cb: NativeCallback = (buffer, from, hopLimit, at) => {
          if (this.closed) return;
          this.handler({ ipVersion: options.ipVersion, proto, bytes: new Uint8Array(buffer), from, at: at ?? process.hrtime.bigint(), hopLimit });
        };
        try {
          const device = options.device ?? null;
          this.nativeHandles.push(native.open ? native.open(options.ipVersion, protocol, device, cb) : native.open6(protocol, device, cb));
        } catch (err) {
          if (isPermissionError(err) || (err as { code?: string }).code === 'EPERM') throw new PrivilegeError(err);
          throw err;
        }
        continue;
      }
      const s = open(protocol);
      try {
        s.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_RCVBUF, SO_RCVBUF_BYTES);
      } catch {
        /* the default buffer still works */
      }
      s.on('message', (buffer, from) => {
        if (this.closed) return;
        const at = process.hrtime.bigint();
        this.handler({ ipVersion: options.ipVersion, proto, bytes: new Uint8Array(buffer), from, at, hopLimit: null });
      });
      this.receivers.push(s);
    }
  }

  /** Opens the sockets; throws PrivilegeError (before anything is sent) without raw-socket privilege. */
  static open(options: RawIoOptions): RawIo {
    return new RawIo(options);
  }

  onPacket(handler: (p: ReceivedPacket) => void): void {
    this.handler = handler;
  }

  /** Sends one complete datagram; resolves with the hrtime stamped just before sendto(). */
  send(datagram: Uint8Array, dst: string): Promise<bigint> {
    if (this.closed) return Promise.reject(new Error('RawIo is closed'));
    const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    return new Promise((resolve, reject) => {
      let at = 0n;
      this.sender.send(
        buf,
        0,
        buf.length,
        dst,
        () => {
          at = process.hrtime.bigint();
        },
        (err) => (err ? reject(err) : resolve(at)),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const native = nativeReceiver();
    for (const h of this.nativeHandles) native?.close6(h);
    for (const s of [this.sender, ...this.receivers]) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  }
}

/** Throws PrivilegeError when this process cannot open raw sockets; sends nothing. */
export function checkProbePrivilege(): void {
  RawIo.open({ ipVersion: 4, receive: [] }).close();
}

/** True when raw sockets can be opened (for status messages). */
export function canProbe(): boolean {
  try {
    checkProbePrivilege();
    return true;
  } catch (err) {
    if (err instanceof PrivilegeError) return false;
    throw err;
  }
}
