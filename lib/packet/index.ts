// The packet codec: pure, I/O-free encode/decode of what probes send and replies carry.
// Decoders never throw on bad bytes (they return Result); emitters throw EmitError only
// for impossible input.
export * from './errors';
export * from './addr';
export * from './checksum';
export * from './ipv4';
export * from './ipv6';
export * from './udp';
export * from './tcp';
export * from './icmp';
export * from './icmpv6';
export * from './icmp-ext';
export * from './quote';
export * from './reply';
export * from './paris';
export * from './probe-builders';
