// Shared by the importer tests: the committed peer outputs (test/fixtures/io, made by
// capture.sh in the lab) and what the lab truth says each TTL answers from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topologies } from '../../lab/topologies';

export const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/io', name), 'utf8');

export const linear = topologies.linear.truth.paths[0];
export const asym = topologies.asym.truth.paths[0];
export const ecmpFlow = topologies['ecmp-flow'].truth.paths[0];
export type TruthPath = typeof linear;

/** The first truth address per TTL, for one family. */
export const truthAddrs = (family: 4 | 6, path: TruthPath = linear): string[] => path.hops.map((h) => (family === 4 ? h.v4 : h.v6)![0]);
export const truthDst = (family: 4 | 6, path: TruthPath = linear): string => (family === 4 ? path.dst.v4 : path.dst.v6)!;
