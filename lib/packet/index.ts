// The packet codec: pure, I/O-free encode/decode of what probes send and replies carry.
// Decoders never throw on bad bytes: they return Result<T>, whose DecodeError has a kind
// callers can count. Emitters throw EmitError only for impossible input (a programming
// error). Addresses are strings, IPv6 in the text form Node prints.

// Results and errors
export { EmitError, type DecodeError, type DecodeErrorKind, type Result } from './errors';

// Addresses and checksums
export { addrFamily, addrToBytes, bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes } from './addr';
export { compensationWord, internetChecksum, onesAdd, onesSum, pseudoAddrSum, pseudoHeader } from './checksum';

// Network layer
export {
  emitIpv4, parseIpv4, IPV4_HEADER_LEN,
  type Ipv4Header, type Ipv4HeaderInput, type Ipv4Packet, type Ipv4ParseOptions,
} from './ipv4';
export {
  emitIpv6, parseIpv6, IPV6_EXT, IPV6_HEADER_LEN,
  type Ipv6ExtensionHeader, type Ipv6Fragment, type Ipv6Header, type Ipv6HeaderInput, type Ipv6Packet,
} from './ipv6';

// Transport
export { emitUdp, parseUdp, udpChecksumValid, IPPROTO_UDP, UDP_HEADER_LEN, type UdpDatagram, type UdpHeader } from './udp';
export {
  emitTcp, emitTcpOptions, parseTcp, parseTcpOptions, IPPROTO_TCP, TCP_FLAGS, TCP_HEADER_LEN,
  type TcpHeader, type TcpInput, type TcpOption, type TcpSegment,
} from './tcp';

// ICMP and ICMPv6: raw messages (byte-exact), typed messages, helpers
export {
  echoIds, echoRest, emitIcmp, emitIcmpv4, icmpChecksum, icmpChecksumValid, icmpMtu, icmpPointer, isEcho, isIcmpError,
  parseIcmp, parseIcmpv4, unreachableReason,
  ICMP4, ICMP4_UNREACH_CODES, ICMP6, ICMP6_UNREACH_CODES, ICMP_HEADER_LEN, IPPROTO_ICMP, IPPROTO_ICMPV6,
  type Icmp4UnreachReason, type Icmp6UnreachReason, type IcmpEcho, type IcmpErrorPayload, type IcmpMessage, type IcmpOther,
  type IcmpParseOptions, type Icmpv4Repr, type Icmpv6Addrs,
} from './icmp';
export { emitIcmpv6, parseIcmpv6, type Icmpv6Repr } from './icmpv6';

// RFC 4884 extensions and RFC 4950 MPLS label stacks
export {
  buildErrorBody, emitExtensionStructure, emitMplsStack, mplsLabels, mplsObject, parseExtensionStructure, parseMplsStack,
  rfc4884Length, splitErrorBody, MPLS_CLASS, MPLS_CTYPE, RFC4884_MIN_ORIGINAL,
  type ExtensionLayout, type IcmpExtensionObject, type IcmpExtensions, type SplitBody,
} from './icmp-ext';

// Replies: what a receive socket delivered, decoded into one structure
export { parseQuote, type Quote } from './quote';
export {
  decodeIcmpv6Message, decodeIpPacket, decodeIpv4Packet, decodeIpv6Packet, decodeTcpSegment6, icmpKind, tcpKind,
  type DecodeOptions, type Ipv6SocketInfo, type Reply,
} from './reply';

// Probes
export {
  buildIcmpEchoProbe, buildTcpProbe, buildUdpProbe, transportChecksumOk,
  type IcmpEchoProbeInput, type IpProbeInput, type TcpProbeInput, type UdpProbeInput,
} from './probe-builders';
export {
  buildParisIcmpEchoProbe, buildParisTcpProbe, buildParisUdpProbe, parisIcmpIdSeq, parisProbeIdFromQuote, parisProbeIdFromReply,
} from './paris';
