#!/usr/bin/env bash
# bench/footprint: the daemon with 100 idle replicas of the example app (readiness and
# liveness probes running) for IDLE_SECONDS: prints the daemon's RSS and CPU %.
# Targets (../shared/DESIGN.md): RSS < 50 MB, CPU < 1 %. ROUNDS (default 3) measurement
# windows back to back; prints each, then the median and the spread.
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
samples=()
for round in $(seq 1 "${ROUNDS:-3}"); do
  t0=$(cpu_ticks); s0=$(date +%s.%N)
  sleep "$idle"  # the measurement window itself, not a wait for a condition
  t1=$(cpu_ticks); s1=$(date +%s.%N)
  rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  samples+=("$t0 $t1 $s0 $s1 $rss_kb")
done
python3 - "$ticks" "$replicas" "$idle" "${samples[@]}" <<'PY'
import statistics, sys
hz, n, idle = float(sys.argv[1]), sys.argv[2], sys.argv[3]
cpus, rsss = [], []
for i, sample in enumerate(sys.argv[4:], 1):
    t0, t1, s0, s1, rss_kb = map(float, sample.split())
    cpus.append((t1 - t0) / hz / (s1 - s0) * 100)
    rsss.append(rss_kb / 1024)
    print(f"footprint: round {i}: daemon RSS {rsss[-1]:.1f} MB, CPU {cpus[-1]:.2f} %")
cpu, rss = statistics.median(cpus), statistics.median(rsss)
print(f"footprint: {n} idle replicas, {len(cpus)} x {idle}s: median RSS {rss:.1f} MB "
      f"(spread {min(rsss):.1f}-{max(rsss):.1f}; target < 50), median CPU {cpu:.2f} % "
      f"(spread {min(cpus):.2f}-{max(cpus):.2f}; target < 1)")
print(f"footprint: RSS {'OK' if rss < 50 else 'MISS'}, CPU {'OK' if cpu < 1 else 'MISS'}")
PY
