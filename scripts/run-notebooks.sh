#!/usr/bin/env bash
# npm run notebooks:run — executes every notebook in notebooks/ headless (nbconvert, the
# hopscope kernel, as root against the lab) and writes the executed copies and HTML reports
# to reports/ (HTML with kernel/nbconvert/hopscope, which keeps the SVG charts that Debian's
# nbconvert 6.5 would strip to their text). Fails on any cell error. Brings up the lab
# topologies the notebooks probe first (scripts/notebook-topologies.sh; those already up are
# left as they are). HOPSCOPE_NO_LAB=1 skips that (notebooks pointed elsewhere, or replayed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${HOPSCOPE_NO_LAB:-}" != 1 ] && [ "${HOPSCOPE_REPLAY:-}" != 1 ]; then
  source scripts/notebook-topologies.sh
  notebook_topologies_up >/dev/null
fi
out=${HOPSCOPE_REPORTS:-reports}
mkdir -p "$out"
# The notebooks' probing calls are recorded beside the reports (HOPSCOPE_REPLAY=1 with
# HOPSCOPE_RECORD_DIR=$out/data replays them), not over the committed notebooks/data/.
case $out in /*) data=$out/data ;; *) data=$PWD/$out/data ;; esac
export HOPSCOPE_RECORD_DIR=${HOPSCOPE_RECORD_DIR:-$data}
status=0
for nb in notebooks/[0-9][0-9]-*.ipynb; do
  name=$(basename "$nb" .ipynb)
  t0=$(date +%s)
  if jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=hopscope \
      --ExecutePreprocessor.timeout=300 --output-dir "$out" "$nb" >"$out/$name.log" 2>&1 \
    && jupyter nbconvert --to html --TemplateExporter.extra_template_basedirs=kernel/nbconvert --template hopscope \
      "$out/$name.ipynb" --output-dir "$out" >>"$out/$name.log" 2>&1; then
    echo "notebook $name: ok ($(( $(date +%s) - t0 )) s) -> $out/$name.html"
  else
    echo "notebook $name: FAILED, see $out/$name.log" >&2
    tail -20 "$out/$name.log" >&2
    status=1
  fi
done
exit $status
