#!/usr/bin/env bash
# Installs what hopscope needs on a Debian machine and builds it. Idempotent and quick
# when everything is already there. Run as root (it uses apt-get, and the lab needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the lab (iproute2, nftables), captures (tcpdump), the peers hopscope is
# compared with in tests and benchmarks, and the notebook stack (Debian's Jupyter for the
# hopscope kernel and headless nbconvert runs; rsvg-convert checks rendered charts).
DEB_PACKAGES=(
  iproute2 nftables procps tcpdump iputils-ping
  traceroute iputils-tracepath mtr-tiny scamper
  python3 make g++
  jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel librsvg2-bin
  mmdb-bin dnsmasq-base bsdutils chromium
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "hopscope setup: missing Debian packages: ${missing[*]}" >&2
    echo "run this command as root (sudo), or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "hopscope setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.hopscope-lock-stamp
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "hopscope setup: npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi

npm run --silent build
