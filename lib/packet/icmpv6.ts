import { checkField, ok, type Result } from './errors';
import {
  echoParts, echoRepr, emitIcmp, errorPayload, otherRepr, parseChecked, ICMP6,
  type IcmpEcho, type IcmpErrorPayload, type IcmpOther, type IcmpParseOptions, type Icmpv6Addrs,
} from './icmp';
import { buildErrorBody } from './icmp-ext';

/** ICMPv6 messages (RFC 4443); RFC 4884 extensions exist on dest-unreachable and time-exceeded only. */
export type Icmpv6Repr =
  | IcmpEcho
  | ({ kind: 'dest-unreachable'; code: number } & IcmpErrorPayload)
  | { kind: 'packet-too-big'; mtu: number; quote: Uint8Array }
  | ({ kind: 'time-exceeded'; code: number } & IcmpErrorPayload)
  | { kind: 'param-problem'; code: number; pointer: number; quote: Uint8Array }
  | IcmpOther;

/**
 * Typed ICMPv6 message. The checksum covers a pseudo-header, so it is verified only when
 * the addresses are given (a raw socket has already verified it).
 */
export function parseIcmpv6(b: Uint8Array, addrs?: Icmpv6Addrs, opts: IcmpParseOptions = {}): Result<Icmpv6Repr> {
  const r = parseChecked(b, 6, opts.verifyChecksum ?? true, addrs);
  if (!r.ok) return r;
  const m = r.value;
  switch (m.type) {
    case ICMP6.ECHO_REQUEST: return ok(echoRepr(m, 'echo-request'));
    case ICMP6.ECHO_REPLY: return ok(echoRepr(m, 'echo-reply'));
    case ICMP6.UNREACHABLE: return ok({ kind: 'dest-unreachable', code: m.code, ...errorPayload(m) });
    case ICMP6.PACKET_TOO_BIG: return ok({ kind: 'packet-too-big', mtu: m.rest, quote: m.body });
    case ICMP6.TIME_EXCEEDED: return ok({ kind: 'time-exceeded', code: m.code, ...errorPayload(m) });
    case ICMP6.PARAM_PROBLEM: return ok({ kind: 'param-problem', code: m.code, pointer: m.rest, quote: m.body });
    default: return ok(otherRepr(m));
  }
}

/** Emits a typed ICMPv6 message; the checksum needs the IPv6 source and destination. */
export function emitIcmpv6(r: Icmpv6Repr, addrs: Icmpv6Addrs): Uint8Array {
  switch (r.kind) {
    case 'echo-request':
    case 'echo-reply':
      return emitIcmp(echoParts(r, ICMP6.ECHO_REQUEST, ICMP6.ECHO_REPLY), addrs);
    case 'other':
      return emitIcmp(r, addrs);
    case 'packet-too-big':
      return emitIcmp({ type: ICMP6.PACKET_TOO_BIG, code: 0, rest: checkField('icmpv6', 'mtu', r.mtu, 0xffffffff), body: r.quote }, addrs);
    case 'param-problem':
      return emitIcmp({ type: ICMP6.PARAM_PROBLEM, code: r.code, rest: checkField('icmpv6', 'pointer', r.pointer, 0xffffffff), body: r.quote }, addrs);
    case 'dest-unreachable':
    case 'time-exceeded': {
      const { body, lengthField } = buildErrorBody(6, r.quote, r.extensions, r.extensionLayout ?? undefined);
      const type = r.kind === 'dest-unreachable' ? ICMP6.UNREACHABLE : ICMP6.TIME_EXCEEDED;
      return emitIcmp({ type, code: r.code, rest: (lengthField << 24) >>> 0, body }, addrs);
    }
  }
}
