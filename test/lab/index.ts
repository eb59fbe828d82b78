export * from './types';
export {
  labUp,
  labDown,
  labIsUp,
  labAcquire,
  labRelease,
  labPrivate,
  labList,
  labStrayNamespaces,
  labSrcAlias,
  labTruth,
  labNamespaces,
  execIn,
  ensureUp,
  nsName,
  getTopology,
  checkLabPrerequisites,
  serviceStatePath,
  PREFIX,
  SRC_ALIAS,
} from './lab';
export { topologies } from './topologies';
