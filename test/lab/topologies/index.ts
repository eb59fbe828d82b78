import type { Topology } from '../types';
import { asym } from './asym';
import { ecmpFlow } from './ecmp-flow';
import { ecmpUnequal } from './ecmp-unequal';
import { linear } from './linear';
import { ecmpPacket } from './ecmp-packet';
import { ratelimit } from './ratelimit';
import { fwDesync } from './fw-desync';
import { nat, natRewrite } from './nat';
import { ecmpDest } from './ecmp-dest';
import { latency } from './latency';
import { mpls } from './mpls';
import { wide } from './wide';
import { wideMany } from './wide-many';

export const topologies: Record<string, Topology> = Object.fromEntries(
  [linear, ecmpFlow, ecmpPacket, ecmpUnequal, asym, ratelimit, fwDesync, nat, natRewrite, ecmpDest, latency, mpls, wide, wideMany].map((t) => [t.name, t]),
);
