export * from './errors';
export * from './prober';
export * from './spec';
export { Engine, ENGINE_DEFAULTS, type EngineOptions } from './engine';
export { RawIo, canProbe, checkProbePrivilege, type ReceivedPacket, type RecvProto } from './sockets';
export { routeSource, interfaceAddress, ipVersionOf } from './source';
export { buildProbe, decodePacket, replyKeys, replyFields } from './codec';
export * from './trace';
