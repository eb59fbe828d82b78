#!/usr/bin/env bash
# The CLI tour (npm run demo): set up, bring up the built-in lab network, and
# trace it with hopscope, printing each path beside the lab's ground truth.
# Probes go only to the lab's own namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
HOPSCOPE_NPM_SCRIPT="run demo" source scripts/lab-setup.sh
demo() { # topology family target [trace options]
  local topo=$1 fam=$2 dst=$3; shift 3
  echo
  echo "=== $topo, IPv$fam: hopscope trace $* $dst"
  ip netns exec "hs-$topo-src" node dist/cli/main.js trace -n "-$fam" "$@" "$dst" || true
}
run() { # topology command args...
  local topo=$1; shift
  echo
  echo "=== $topo: hopscope $*"
  ip netns exec "hs-$topo-src" node dist/cli/main.js "$@" || true
}
for topo in linear ecmp-flow ecmp-packet ecmp-unequal asym ratelimit fw-desync; do npm run -s lab -- up "$topo"; done
echo
npm run -s lab -- truth linear
demo linear 4 198.18.5.2
demo linear 6 2001:db8:5::2 --proto tcp
echo
npm run -s lab -- truth ecmp-flow
for sport in 40001 40002 40003; do demo ecmp-flow 4 198.18.60.2 --sport "$sport" -q 1; done
demo ecmp-unequal 4 198.18.30.2 --method classic -q 6
run ecmp-flow mda --confidence 99 198.18.60.2
run ecmp-unequal mda 198.18.30.2
echo
npm run -s lab -- truth ecmp-packet
run ecmp-packet sample -c 5 --interval 0.2 -q 2 198.18.30.2
echo
npm run -s lab -- truth asym
demo asym 4 198.18.4.2 --proto icmp
run asym path 198.18.4.2
run asym path -6 2001:db8:4::2
echo
npm run -s lab -- truth ratelimit
run ratelimit ratetest --ttl 2 198.18.4.2
echo
npm run -s lab -- truth fw-desync
run fw-desync session -m 4 -q 1 198.18.4.2 9
echo
echo "The lab stays up for your own traces, e.g.: ip netns exec hs-src node dist/cli/main.js trace 198.18.4.2 (npm run lab -- down removes it)"
echo "Take it down with: npm run lab -- down"
