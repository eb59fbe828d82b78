export * from './probe-record';
export * from './trace-result';
export * from './multipath';
