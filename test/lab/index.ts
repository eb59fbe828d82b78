export * from './types';
export { labUp, labDown, labIsUp, labAcquire, labRelease, labList, labTruth, labNamespaces, execIn, ensureUp, nsName, getTopology, checkLabPrerequisites, serviceStatePath, PREFIX, SRC_ALIAS } from './lab';
export { topologies } from './topologies';
