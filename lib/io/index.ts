export * from './result';
export * from './jsonl';
export * from './csv';
export * from './traceroute-text';
export * from './tracepath-text';
export * from './mtr-json';
export * from './scamper-json';
export * from './atlas';
