export * from './columns';
export * from './dataframe';
