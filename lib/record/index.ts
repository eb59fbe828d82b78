export * from './probe-record';
export * from './trace-result';
