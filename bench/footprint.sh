#!/usr/bin/env bash
# bench/footprint: the daemon with 100 idle replicas of the example app (readiness and
# liveness probes running) for IDLE_SECONDS: prints the daemon's RSS and CPU %.
# Targets (../shared/DESIGN.md): RSS < 50 MB, CPU < 1 %.
set -euo pipefail
build=${1:-build}
build=$(cd "$build" && pwd)
replicas=${REPLICAS:-100}
idle=${IDLE_SECONDS:-30}
gantry="$build/gantry"
app="$build/examples/example-app"
work=$(mktemp -d)
trap 'pkill -TERM -f "$work" 2>/dev/null || true; "$gantry" stop --state-dir "$work/state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cat > "$work/gantry.yaml" <<YAML
project: footprint
services:
  idle:
    command: ["$app", "--port", "\${PORT}"]
    port: 18080
    replicas: $replicas
    health:
      readiness: { http: /health/ready, period: 2s, timeout: 1s }
      liveness:  { http: /health/live, period: 10s, timeout: 2s }
YAML

"$gantry" up -f "$work/gantry.yaml" --state-dir "$work/state" --detach >/dev/null
pid=$(tr -d '\n ' < "$work/state/daemon.pid")

# Wait (with a deadline) until every replica is ready.
deadline=$((SECONDS + 120))
while :; do
  ready=$("$gantry" status --state-dir "$work/state" --format json 2>/dev/null |
          python3 -c 'import json,sys; print(sum(s["ready"] for s in json.load(sys.stdin)["services"]))' 2>/dev/null || echo 0)
  [ "$ready" -ge "$replicas" ] && break
  if [ $SECONDS -ge $deadline ]; then echo "footprint: only $ready/$replicas ready after 120 s" >&2; exit 1; fi
  sleep 0.5
done

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
t0=$(cpu_ticks); s0=$(date +%s.%N)
sleep "$idle"
t1=$(cpu_ticks); s1=$(date +%s.%N)
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
python3 - "$t0" "$t1" "$s0" "$s1" "$ticks" "$rss_kb" "$replicas" "$idle" <<'PY'
import sys
t0, t1, s0, s1, hz, rss_kb, n, idle = sys.argv[1:]
cpu = (float(t1) - float(t0)) / float(hz) / (float(s1) - float(s0)) * 100
rss = int(rss_kb) / 1024
print(f"footprint: {n} idle replicas for {idle}s: daemon RSS {rss:.1f} MB (target < 50), "
      f"CPU {cpu:.2f} % (target < 1)")
print(f"footprint: RSS {'OK' if rss < 50 else 'MISS'}, CPU {'OK' if cpu < 1 else 'MISS'}")
PY
