#!/usr/bin/env bash
# The main job (README's first command): set up what is missing (Debian packages, npm
# modules, the build, the hopscope Jupyter kernel), bring up the lab network, run the
# showcase notebooks against it headless (executed copies and HTML reports in reports/),
# then leave Jupyter Notebook running on notebooks/ with the hopscope kernel.
# Probes go only to the lab's own namespaces. `npm run demo` runs the CLI tour instead.
#   HOPSCOPE_PORT=8888        port of the notebook server (on 127.0.0.1)
#   HOPSCOPE_NO_SERVER=1      stop after the reports, start no server
set -euo pipefail
cd "$(dirname "$0")/.."
HOPSCOPE_NPM_SCRIPT="start" source scripts/lab-setup.sh
# The notebooks' topologies, and ecmp-flow for the README's commands.
source scripts/notebook-topologies.sh
notebook_topologies_up
npm run -s lab -- up ecmp-flow
node kernel/install.js
# Trusted, so Notebook 6 shows the committed outputs (SVG charts, HTML tables) as they are.
/usr/bin/python3 -c "from nbformat.sign import TrustNotebookApp; TrustNotebookApp.launch_instance()" notebooks/*.ipynb >/dev/null 2>&1
echo
echo "=== running the notebooks against the lab (reports/)"
bash scripts/run-notebooks.sh
if [ "${HOPSCOPE_NO_SERVER:-}" = 1 ]; then
  echo "HOPSCOPE_NO_SERVER=1: no notebook server started; the reports are in reports/"
  exit 0
fi
bash scripts/notebook-server.sh start
