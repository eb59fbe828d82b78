export * from './asn';
export * from './prefix-trie';
export * from './pfx2as';
export * from './mmdb';
export * from './open';
export * from './rdns';
export * from './enrich';
