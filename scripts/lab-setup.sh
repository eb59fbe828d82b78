# Sourced by the main job and the demo: set up (packages, modules, build) and insist on root.
bash scripts/setup.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "hopscope: the lab needs root (network namespaces, raw sockets): run as root, e.g. sudo npm ${HOPSCOPE_NPM_SCRIPT:-start}" >&2
  exit 1
fi
