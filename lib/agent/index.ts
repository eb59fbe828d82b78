export * from './protocol';
export { AgentServer, AGENT_DEFAULTS, type AgentOptions } from './server';
export { AgentProber, connectAgent, type AgentConnectOptions } from './client';
export { bidirectional, type BidirectionalTrace, type BidirectionalTraceOptions } from './bidirectional';
export { RemoteSession } from './remote-session';
export { kernelAgent, probingMode, agentFromEnvironment, type ProbingMode, type ProbingModeName } from './kernel';
