import type { Topology } from '../types';
import { both, chainLinks, link, routes46, symmetric, v4, v6 } from './build';

// src -1- r1 -2- r2 -3- r3 -4- dst. r2 rate-limits the ICMP errors it sends (a token every
// second per destination, Linux's burst of 6; IPv6 likewise); every other node answers all.
// The per-destination token bucket (1 per second, burst 6) is what binds in a short burst and is
// deterministic; the global limiter is set low too (it randomises its credit, so the tests do
// not count on it) — every other node has icmp_ratelimit=0 and a huge global budget.
const limited = {
  'net.ipv4.icmp_ratelimit': 1000,
  'net.ipv6.icmp.ratelimit': 1000,
  'net.ipv4.icmp_msgs_per_sec': 20,
  'net.ipv4.icmp_msgs_burst': 10,
};

export const ratelimit: Topology = {
  name: 'ratelimit',
  description: 'one hop (r2) rate-limits its ICMP errors aggressively; the hops after it are clean',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'r2', 2), link('r2', 'r3', 3), link('r3', 'dst', 4)],
  nodes: [
    { name: 'src', ...routes46([2, 3, 4], [[1, 2]]) },
    { name: 'r1', ...routes46([3, 4], [[2, 2]]) },
    { name: 'r2', sysctls: limited, ...both(routes46([1], [[2, 1]]), routes46([4], [[3, 2]])) },
    { name: 'r3', ...routes46([1, 2], [[3, 1]]) },
    { name: 'dst', ...routes46([1, 2, 3], [[4, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(4, 2), v6: v6(4, 2) },
        hops: symmetric([
          { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)] },
          { ttl: 2, v4: [v4(2, 2)], v6: [v6(2, 2)], rateLimited: true },
          { ttl: 3, v4: [v4(3, 2)], v6: [v6(3, 2)] },
          { ttl: 4, v4: [v4(4, 2)], v6: [v6(4, 2)] },
        ]),
        links: chainLinks([1, 2, 3, 4].map((n) => ({ ttl: n, v4: [v4(n, 2)], v6: [v6(n, 2)] }))),
      },
    ],
    notes: [
      'r2: net.ipv4.icmp_ratelimit=1000 / net.ipv6.icmp.ratelimit=1000 ms per token, burst 6 (Linux XRLIM_BURST_FACTOR), per destination',
      'r2: net.ipv4.icmp_msgs_per_sec=20, icmp_msgs_burst=10 (global, randomised credit); the other nodes: icmp_ratelimit=0, icmp_msgs_per_sec=100000',
    ],
  },
};
