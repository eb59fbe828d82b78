export * from './record';
export * as packet from './packet';
