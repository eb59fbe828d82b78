#!/usr/bin/env bash
# Re-records the committed notebooks: executes notebooks/NN-*.ipynb in place (nbconvert, the
# hopscope kernel, as root against the lab), so their saved outputs and their recordings in
# notebooks/data/NN-*.jsonl (what HOPSCOPE_REPLAY=1 replays) come from the same run, then
# marks them trusted. Usage: bash scripts/record-notebooks.sh [NN ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "record-notebooks: the notebooks probe the lab: run as root" >&2
  exit 1
fi
unset HOPSCOPE_REPLAY HOPSCOPE_RECORD HOPSCOPE_NETNS HOPSCOPE_TARGET
[ "${HOPSCOPE_NO_BUILD:-}" = 1 ] || npm run -s build
node kernel/install.js >/dev/null
source scripts/notebook-topologies.sh
notebook_topologies_up >/dev/null
mkdir -p notebooks/data
wanted=("$@")
for nb in notebooks/[0-9][0-9]-*.ipynb; do
  name=$(basename "$nb" .ipynb)
  [ "${name#00-}" != "$name" ] && continue
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" ${name:0:2} "* ]]; then continue; fi
  rm -f "notebooks/data/$name.jsonl"
  t0=$(date +%s)
  if ! HOPSCOPE_RECORD_DIR="$PWD/notebooks/data" jupyter nbconvert --to notebook --execute --inplace \
      --ExecutePreprocessor.kernel_name=hopscope --ExecutePreprocessor.timeout=300 "$nb" >/tmp/record-notebooks.$$.log 2>&1; then
    tail -30 /tmp/record-notebooks.$$.log >&2
    echo "record-notebooks: $name failed (its saved outputs are unchanged)" >&2
    exit 1
  fi
  [ -s "notebooks/data/$name.jsonl" ] || { echo "record-notebooks: $name recorded nothing" >&2; exit 1; }
  /usr/bin/python3 -c "from nbformat.sign import TrustNotebookApp; TrustNotebookApp.launch_instance()" "$nb" >/dev/null 2>&1
  echo "$name: executed and recorded in $(( $(date +%s) - t0 )) s ($(wc -l <"notebooks/data/$name.jsonl") lines in notebooks/data/$name.jsonl)"
done
