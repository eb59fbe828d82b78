export { main } from './main';
export { parseArgs, UsageError, type OptionSpec } from './args';
export { formatHop, formatHeader, annotation } from './trace-format';
export { NameCache } from '../enrich';
