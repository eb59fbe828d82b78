export * from './types';
export { labUp, labDown, labList, labTruth, labNamespaces, execIn, ensureUp, nsName, getTopology, checkLabPrerequisites, serviceStatePath, PREFIX, SRC_ALIAS } from './lab';
export { topologies } from './topologies';
