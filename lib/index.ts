export * from './record';
export * as packet from './packet';
export * as analysis from './analysis';
export * as probe from './probe';
export * as io from './io';
