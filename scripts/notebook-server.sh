#!/usr/bin/env bash
# Starts (or stops) Jupyter Notebook on notebooks/ with the hopscope kernel, in the
# background, bound to 127.0.0.1, as `npm start` leaves it. Usage: notebook-server.sh start|stop|status
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p reports
pidfile=reports/jupyter.pid
port=${HOPSCOPE_PORT:-8888}
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "${1:-start}" in
  stop)
    if running; then kill "$(cat "$pidfile")" && echo "notebook server stopped"; else echo "no notebook server running"; fi
    rm -f "$pidfile" reports/jupyter.url
    ;;
  status)
    if running; then cat reports/jupyter.url; else echo "no notebook server running"; exit 1; fi
    ;;
  start)
    if running; then
      echo "a notebook server is already running: $(cat reports/jupyter.url)"
      exit 0
    fi
    token=$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))")
    args=(notebook --no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 --notebook-dir=notebooks --NotebookApp.token="$token")
    [ "$(id -u)" -eq 0 ] && args+=(--allow-root)
    setsid nohup jupyter "${args[@]}" >reports/jupyter.log 2>&1 < /dev/null &
    echo $! >"$pidfile"
    url="http://127.0.0.1:$port/?token=$token"
    for _ in $(seq 1 60); do
      if node -e "fetch('http://127.0.0.1:$port/api/kernelspecs?token=$token').then(r => r.json()).then(j => process.exit(j.kernelspecs && j.kernelspecs.hopscope ? 0 : 2), () => process.exit(1))" 2>/dev/null; then
        echo "$url" >reports/jupyter.url
        echo
        echo "Jupyter Notebook is running with the hopscope kernel (log: reports/jupyter.log):"
        echo "  $url"
        echo "Stop it with: npm run notebooks:stop"
        exit 0
      fi
      running || break
      sleep 0.5
    done
    echo "the notebook server did not come up; see reports/jupyter.log:" >&2
    tail -20 reports/jupyter.log >&2
    exit 1
    ;;
  *) echo "usage: notebook-server.sh start|stop|status" >&2; exit 2 ;;
esac
