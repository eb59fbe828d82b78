export * from './spec';
export * from './rtt';
export * from './heatmap';
export * from './ttl';
export * from './mtu';
export * from './table';
export * from './render';
