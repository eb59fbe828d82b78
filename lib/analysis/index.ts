export * from './stats';
export * from './ttl';
export * from './hops';
export * from './mda';
export * from './sampling';
export * from './return-path';
export * from './session';
export * from './ratelimit';
