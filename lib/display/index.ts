export * from './bundle';
export * from './table';
export * from './jupyter';
export * from './show';
export * from './status';
