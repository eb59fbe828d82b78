import type { Topology } from '../types';
import { asym } from './asym';
import { ecmpFlow } from './ecmp-flow';
import { ecmpUnequal } from './ecmp-unequal';
import { linear } from './linear';

export const topologies: Record<string, Topology> = Object.fromEntries(
  [linear, ecmpFlow, ecmpUnequal, asym].map((t) => [t.name, t]),
);
