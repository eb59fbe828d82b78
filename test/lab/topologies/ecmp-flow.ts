import type { Topology } from '../types';
import { both, link, perFlowHash, routes46, symmetric, v4, v6 } from './build';

// src -1- r1 =(21,22,23)= a1|a2|a3 =(31,32,33)= r2 =(41,42)= b1|b2 =(51,52)= r3 -60- dst
// Per-flow ECMP (5-tuple hash) at r1 (3-way) and r2 (2-way). Return traffic: a_i straight to r1,
// r2 via a1, b_j via r2, r3 via b1 — so over IPv4 r2 and r3 each answer from one address,
// while over IPv6 (errors leave from the incoming interface) they answer per branch.
const A = [1, 2, 3];
const B = [1, 2];
// r1 and r2 hash the 5-tuple with seeds of their own (see perFlowHash), so they are
// independent routers, as the truth below assumes.

export const ecmpFlow: Topology = {
  name: 'ecmp-flow',
  description: 'per-flow ECMP (5-tuple hash), dual stack: a 3-way diamond then a 2-way diamond',
  source: 'src',
  links: [
    link('src', 'r1', 1),
    ...A.map((i) => link('r1', `a${i}`, 20 + i)),
    ...A.map((i) => link(`a${i}`, 'r2', 30 + i)),
    ...B.map((j) => link('r2', `b${j}`, 40 + j)),
    ...B.map((j) => link(`b${j}`, 'r3', 50 + j)),
    link('r3', 'dst', 60),
  ],
  nodes: [
    { name: 'src', ...routes46([60], [[1, 2]]) },
    { name: 'r1', sysctls: perFlowHash(1001), ...routes46([60], A.map((i) => [20 + i, 2] as [number, 2])) },
    ...A.map((i) => ({ name: `a${i}`, ...both(routes46([1], [[20 + i, 1]]), routes46([60], [[30 + i, 2]])) })),
    { name: 'r2', sysctls: perFlowHash(2002), ...both(routes46([1], [[31, 1]]), routes46([60], B.map((j) => [40 + j, 2] as [number, 2]))) },
    ...B.map((j) => ({ name: `b${j}`, ...both(routes46([1], [[40 + j, 1]]), routes46([60], [[50 + j, 2]])) })),
    { name: 'r3', ...routes46([1], [[51, 1]]) },
    { name: 'dst', ...routes46([1], [[60, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(60, 2), v6: v6(60, 2) },
        hops: symmetric([
          { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)] },
          { ttl: 2, v4: A.map((i) => v4(20 + i, 2)), v6: A.map((i) => v6(20 + i, 2)), balancer: { kind: 'per-flow', at: v4(1, 2) } },
          { ttl: 3, v4: [v4(31, 2)], v6: A.map((i) => v6(30 + i, 2)) },
          { ttl: 4, v4: B.map((j) => v4(40 + j, 2)), v6: B.map((j) => v6(40 + j, 2)), balancer: { kind: 'per-flow', at: v4(31, 2) } },
          { ttl: 5, v4: [v4(51, 2)], v6: B.map((j) => v6(50 + j, 2)) },
          { ttl: 6, v4: [v4(60, 2)], v6: [v6(60, 2)] },
        ]),
        links: {
          v4: [
            ...A.map((i) => [v4(1, 2), v4(20 + i, 2)] as [string, string]),
            ...A.map((i) => [v4(20 + i, 2), v4(31, 2)] as [string, string]),
            ...B.map((j) => [v4(31, 2), v4(40 + j, 2)] as [string, string]),
            ...B.map((j) => [v4(40 + j, 2), v4(51, 2)] as [string, string]),
            [v4(51, 2), v4(60, 2)],
          ],
          v6: [
            ...A.map((i) => [v6(1, 2), v6(20 + i, 2)] as [string, string]),
            ...A.map((i) => [v6(20 + i, 2), v6(30 + i, 2)] as [string, string]),
            ...A.flatMap((i) => B.map((j) => [v6(30 + i, 2), v6(40 + j, 2)] as [string, string])),
            ...B.map((j) => [v6(40 + j, 2), v6(50 + j, 2)] as [string, string]),
            ...B.map((j) => [v6(50 + j, 2), v6(60, 2)] as [string, string]),
          ],
        },
      },
    ],
  },
};
