# The lab topologies the investigation notebooks (notebooks/NN-*.ipynb) probe. Sourced by
# main.sh (npm start), run-notebooks.sh (npm run notebooks:run) and record-notebooks.sh, and
# read by test/integration/notebooks.test.ts: a notebook that needs another topology adds it here.
#   01 linear · 02 ecmp-unequal ecmp-packet · 03 asym · 04 ratelimit latency mpls · 05 fw-desync
NOTEBOOK_TOPOLOGIES="linear ecmp-unequal ecmp-packet asym ratelimit latency mpls fw-desync"

# Brings them up (idempotent: a topology already up is left as it is).
notebook_topologies_up() {
  local topo
  for topo in $NOTEBOOK_TOPOLOGIES; do npm run -s lab -- up "$topo" "$@"; done
}
