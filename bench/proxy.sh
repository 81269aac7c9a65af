#!/usr/bin/env bash
# bench/proxy: gantry's proxy against nginx and HAProxy, in one run on one machine. One upstream
# nginx (a fixed ~100-byte body, supervised by gantry itself) serves every contender: direct (no
# proxy), gantry, nginx (proxy_pass, upstream keep-alive) and HAProxy (http-reuse always), all
# proxies with 1 worker, then with 2. wrk, keep-alive, 8/64/256 connections; the contenders run
# round-robin inside each round so host slowdowns hit all of them. Prints the median req/s
# (spread), p50/p99 latency, proxy CPU per request, and gantry's ratios to the best peer.
# Targets (../shared/DESIGN.md): req/s >= the best peer, p99 <= the best peer's, CPU < 20 us.
# Usage: bench/proxy.sh [BUILD_DIR]  (see docs/benchmarks.md for the environment knobs)
# Exits 1 only when the bench cannot be set up; a missed target or a missing gantry proxy is
# reported, not an error.
set -euo pipefail

build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
templates="$root/bench/proxy"

say() { echo "proxy: $*"; }
die() { echo "proxy: setup error: $*" >&2; exit 1; }

# --- settings ------------------------------------------------------------------------------
if [ "${PROXY_BENCH_QUICK:-0}" = 1 ]; then def_duration=2s def_rounds=1; else def_duration=10s def_rounds=3; fi
duration=${PROXY_BENCH_DURATION:-$def_duration}
rounds=${PROXY_BENCH_ROUNDS:-$def_rounds}
conns_list=${PROXY_BENCH_CONNS:-"8 64 256"}
workers_list=${PROXY_BENCH_WORKERS:-"1 2"}
wrk_threads=${PROXY_BENCH_WRK_THREADS:-1}
upstream_workers=${PROXY_BENCH_UPSTREAM_WORKERS:-1}
[[ $duration =~ ^[0-9]+[sm]?$ ]] || die "PROXY_BENCH_DURATION='$duration': use seconds, e.g. 10s"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "PROXY_BENCH_ROUNDS='$rounds': use a whole number >= 1"
[[ $wrk_threads =~ ^[1-9][0-9]*$ ]] || die "PROXY_BENCH_WRK_THREADS='$wrk_threads': use a whole number >= 1"
[[ $upstream_workers =~ ^[1-9][0-9]*$ ]] || die "PROXY_BENCH_UPSTREAM_WORKERS='$upstream_workers': use a whole number >= 1"
for c in $conns_list; do
  [[ $c =~ ^[1-9][0-9]*$ ]] || die "PROXY_BENCH_CONNS: '$c' is not a connection count"
  [ "$c" -ge "$wrk_threads" ] || die "PROXY_BENCH_CONNS: $c connections < $wrk_threads wrk threads"
done
for w in $workers_list; do
  [[ $w =~ ^[1-9][0-9]*$ ]] || die "PROXY_BENCH_WORKERS: '$w' is not a worker count"
done
[ -n "$conns_list" ] && [ -n "$workers_list" ] || die "PROXY_BENCH_CONNS and PROXY_BENCH_WORKERS must not be empty"
max_conns=$(printf '%s\n' $conns_list | sort -n | tail -1)
# A body of exactly 100 bytes (99 characters and the newline nginx adds from \n).
body_text="gantry proxy bench: a fixed body of one hundred bytes, served by the upstream nginx with keep-alive"
[ ${#body_text} -eq 99 ] || die "internal: the body text is ${#body_text} characters, not 99"
expected_body="$body_text"

# --- tools: the peers come from Debian (nginx, haproxy, wrk); install what is missing ------------
find_tool() {  # prints the path of $1 (also looked up in the sbin folders), or nothing
  command -v "$1" 2>/dev/null || { for d in /usr/sbin /sbin /usr/local/sbin; do
    [ -x "$d/$1" ] && { echo "$d/$1"; return; }; done; }
}
for t in curl python3; do
  [ -n "$(find_tool $t)" ] || die "$t is missing (scripts/deps installs it)"
done
missing=()
for t in nginx haproxy wrk; do [ -n "$(find_tool $t)" ] || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to install ${missing[*]}"
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  fi
fi
nginx=$(find_tool nginx); haproxy=$(find_tool haproxy); wrk=$(find_tool wrk)
[ -n "$nginx" ] && [ -n "$haproxy" ] && [ -n "$wrk" ] || die "nginx, haproxy or wrk is still missing"

gantry=""
gantry_missing=""
if [ -x "$build/gantry" ]; then
  gantry="$(cd "$build" && pwd)/gantry"
else
  gantry_missing="no gantry binary at $build/gantry (build it first)"
fi

# --- the run's temp dir and cleanup ---------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-proxy-bench.XXXXXX")
chmod 755 "$work"  # nginx workers may run as another user
started=()          # pids this script started (peers, a stand-alone upstream)
gantry_states=()    # state dirs of the gantry daemons this script started
stop_pid() {  # TERM, up to 5 s, then KILL; only processes this script started
  local pid=$1 _
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local p s
  for s in "${gantry_states[@]}"; do "$gantry" stop --state-dir "$s" >/dev/null 2>&1 || true; done
  for p in "${started[@]}"; do stop_pid "$p"; done
  if [ "${PROXY_BENCH_KEEP:-0}" = 1 ]; then echo "proxy: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# fill TEMPLATE OUT KEY=VALUE...: replaces @KEY@ by VALUE (values must not hold '|' or '&').
fill() {
  local in=$1 out=$2 expr=() kv
  shift 2
  for kv in "$@"; do expr+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${expr[@]}" "$in" > "$out"
}

free_ports() {  # N distinct free loopback ports, held together while chosen
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# answers URL: 0 when GET URL gives 200 and the bench body; else sets $answer_err.
answer_err=""
answers() {
  local out code
  local rc=0
  out=$(curl -s --max-time 2 -o "$work/probe.body" -w '%{http_code}' "$1" 2>/dev/null) || rc=$?
  if [ $rc -ne 0 ]; then
    case $rc in
      7) answer_err="$1: connection refused" ;;
      28) answer_err="$1: no answer within 2 s" ;;
      52) answer_err="$1: closed without a response" ;;
      56) answer_err="$1: connection reset" ;;
      *) answer_err="$1: curl exit $rc" ;;
    esac
    return 1
  fi
  code=$out
  if [ "$code" != 200 ]; then answer_err="$1 answered HTTP $code"; return 1; fi
  if [ "$(cat "$work/probe.body")" != "$expected_body" ]; then
    answer_err="$1 answered 200 with another body ($(head -c 60 "$work/probe.body"))"; return 1
  fi
}
wait_answers() {  # URL SECONDS
  local deadline=$((SECONDS + $2))
  until answers "$1"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

children_of() { ps -o pid= --ppid "$1" 2>/dev/null | xargs echo; }
cpu_ticks() {  # summed utime+stime of the pids (fields 14 and 15 of /proc/PID/stat); "-" if none
  [ $# -gt 0 ] || { echo -; return; }
  local total=0 p t
  for p in "$@"; do
    # The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=""
    [ -n "$t" ] || { echo gone; return; }
    total=$((total + t))
  done
  echo "$total"
}

# --- machine and versions --------------------------------------------------------------------
say "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
nginx_v=$("$nginx" -v 2>&1 | sed 's/^nginx version: //')
# (awk reads to the end: with pipefail, `head` could fail the line with SIGPIPE)
haproxy_v=$("$haproxy" -v 2>&1 | awk 'NR == 1 { print $3 }')
wrk_v=$("$wrk" -v 2>&1 | awk 'NR == 1 { print $2 }' || true)  # wrk -v exits 1
gantry_v="not built"
[ -n "$gantry" ] && gantry_v="$("$gantry" --version 2>/dev/null | awk 'NR == 1' || echo '?') ($gantry)"
say "peers: $nginx_v, HAProxy $haproxy_v, wrk $wrk_v; gantry: $gantry_v"
say "wrk: $wrk_threads thread(s), keep-alive, $duration per run, connections: $conns_list; $rounds round(s), contenders interleaved; proxy workers: $workers_list"
say "upstream: nginx, $upstream_workers worker(s), GET / -> 200 with a 100-byte body, shared by every contender"

results="$work/results.tsv"   # one line per wrk run, read by the report at the end
: > "$results"
notes="$work/notes.tsv"       # per phase: gantry availability and other facts for the report
: > "$notes"
mkdir -p "$work/wrk"

# --- one phase: every contender with W proxy workers ---------------------------------------
upstream_pid=""; upstream_port=""; gantry_pid=""; gantry_state=""; gantry_reason=""

start_upstream_standalone() {  # W: when gantry cannot supervise it, the script runs it
  local dir="$work/upstream-w$1"
  mkdir -p "$dir/tmp"
  upstream_port=$(free_ports 1)
  fill "$templates/upstream.conf.in" "$dir/upstream.conf" DIR="$dir" WORKERS="$upstream_workers" \
    BODY="$body_text\\\\n" UPSTREAM_PORT="$upstream_port"
  "$nginx" -p "$dir/" -e "$dir/upstream-error.log" -c "$dir/upstream.conf" -g 'daemon off;' \
    > "$dir/upstream.out" 2>&1 &
  upstream_pid=$!
  started+=("$upstream_pid")
  wait_answers "http://127.0.0.1:$upstream_port/" 20 ||
    die "the stand-alone upstream nginx did not answer: $answer_err ($(tail -3 "$dir/upstream-error.log" 2>/dev/null))"
}

# Starts the upstream under gantry with W proxy workers. On success gantry_pid is the daemon;
# gantry_reason stays empty when gantry's own listener answers too. Returns 1 when gantry could
# not even run the upstream (the caller then runs it stand-alone).
start_gantry() {
  local w=$1 dir="$work/gantry-w$1" port out deadline status_json
  mkdir -p "$dir/tmp"
  port=$(free_ports 1)
  gantry_port=$port
  fill "$templates/upstream.conf.in" "$dir/upstream.conf.tmpl" DIR="$dir" \
    WORKERS="$upstream_workers" BODY="$body_text\\\\n"
  fill "$templates/gantry.yaml.in" "$dir/gantry.yaml" PORT="$port" NGINX="$nginx"
  if ! out=$("$gantry" lint -f "$dir/gantry.yaml" 2>&1); then
    gantry_reason="gantry lint refused the bench's spec: $(echo "$out" | awk 'NR <= 2' | tr '\n' ' ')"; return 1
  fi
  gantry_state="$dir/state"
  gantry_states+=("$gantry_state")
  # Output to a file, not a pipe: a daemon that kept the pipe open would hang the script.
  if ! GANTRY_PROXY_WORKERS=$w "$gantry" up -f "$dir/gantry.yaml" --state-dir "$gantry_state" \
      --detach > "$dir/up.out" 2>&1 < /dev/null; then
    gantry_reason="gantry up failed: $(tail -2 "$dir/up.out" | tr '\n' ' ')"; return 1
  fi
  gantry_pid=$(tr -d '\n ' < "$gantry_state/daemon.pid")
  # The upstream replica: ready, with its port and pid, read from the status JSON.
  deadline=$((SECONDS + 60))
  while :; do
    status_json=$("$gantry" status --state-dir "$gantry_state" --format json 2>/dev/null || true)
    read -r upstream_port upstream_pid < <(python3 -c '
import json, sys
try:
    for s in json.loads(sys.argv[1])["services"]:
        for r in s["replicas"]:
            if r.get("readiness") == "ready" and r.get("port") and r.get("pid"):
                print(r["port"], r["pid"]); sys.exit()
except Exception:
    pass
print("", "")' "$status_json") || true
    [ -n "$upstream_port" ] && break
    if [ $SECONDS -ge $deadline ]; then
      gantry_reason="its upstream replica was not ready after 60 s ($(tail -2 "$gantry_state/daemon.log" 2>/dev/null | tr '\n' ' '))"
      return 1
    fi
    sleep 0.2
  done
  answers "http://127.0.0.1:$upstream_port/" ||
    { gantry_reason="the upstream replica is ready but $answer_err"; return 1; }
  # gantry's own listener: the service port must answer with the upstream's body.
  if ! wait_answers "http://127.0.0.1:$port/" 10; then
    gantry_reason="its service port $port does not forward ($answer_err)"
  fi
  return 0
}

stop_gantry() {  # when a daemon of this phase runs
  local pid
  [ -n "$gantry_state" ] && [ -s "$gantry_state/daemon.pid" ] || return 0
  pid=$(tr -d '\n ' < "$gantry_state/daemon.pid")
  kill -0 "$pid" 2>/dev/null || return 0
  "$gantry" stop --state-dir "$gantry_state" >/dev/null 2>&1 ||
    say "warning: gantry stop --state-dir $gantry_state failed"
  gantry_pid=""
}

start_nginx_proxy() {  # W; sets nginx_pid, nginx_port
  local dir="$work/nginx-w$1"
  mkdir -p "$dir/tmp"
  nginx_port=$(free_ports 1)
  fill "$templates/nginx-proxy.conf.in" "$dir/nginx-proxy.conf" DIR="$dir" WORKERS="$1" \
    PORT="$nginx_port" UPSTREAM_PORT="$upstream_port"
  "$nginx" -p "$dir/" -e "$dir/nginx-proxy-error.log" -c "$dir/nginx-proxy.conf" -g 'daemon off;' \
    > "$dir/nginx.out" 2>&1 &
  nginx_pid=$!
  started+=("$nginx_pid")
  wait_answers "http://127.0.0.1:$nginx_port/" 20 ||
    die "nginx (proxy) did not forward: $answer_err ($(tail -3 "$dir/nginx-proxy-error.log" "$dir/nginx.out" 2>/dev/null | tr '\n' ' '))"
}

start_haproxy() {  # W; sets haproxy_pid, haproxy_port
  local dir="$work/haproxy-w$1" out
  mkdir -p "$dir"
  haproxy_port=$(free_ports 1)
  fill "$templates/haproxy.cfg.in" "$dir/haproxy.cfg" WORKERS="$1" PORT="$haproxy_port" \
    UPSTREAM_PORT="$upstream_port"
  out=$("$haproxy" -c -q -f "$dir/haproxy.cfg" 2>&1) || die "HAProxy refused its config: $out"
  "$haproxy" -db -f "$dir/haproxy.cfg" > "$dir/haproxy.out" 2>&1 &
  haproxy_pid=$!
  started+=("$haproxy_pid")
  wait_answers "http://127.0.0.1:$haproxy_port/" 20 ||
    die "HAProxy did not forward: $answer_err ($(tail -3 "$dir/haproxy.out" | tr '\n' ' '))"
}

# run_wrk W ROUND CONNS CONTENDER URL DURATION PROXY_PIDS: one measured wrk run, one results line.
run_wrk() {
  local w=$1 round=$2 c=$3 name=$4 url=$5 dur=$6 pids=$7 log up0 up1 px0 px1 t0 t1 rc=0
  log="$work/wrk/w$w-r$round-c$c-$name.txt"
  local up_pids
  up_pids="$upstream_pid $(children_of "$upstream_pid")"  # word-split below: a pid list
  px0=$(cpu_ticks $pids); up0=$(cpu_ticks $up_pids); t0=$(date +%s.%N)
  "$wrk" -t "$wrk_threads" -c "$c" -d "$dur" --latency "$url" > "$log" 2>&1 || rc=$?
  t1=$(date +%s.%N); px1=$(cpu_ticks $pids); up1=$(cpu_ticks $up_pids)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$round" "$c" "$name" "$log" \
    "$px0" "$px1" "$up0" "$up1" "$t0 $t1" "$rc" >> "$results"
}

for w in $workers_list; do
  echo
  say "== $w proxy worker(s): gantry GANTRY_PROXY_WORKERS=$w, nginx worker_processes $w, HAProxy nbthread $w"
  upstream_pid=""; upstream_port=""; gantry_pid=""; gantry_state=""; gantry_port=""
  gantry_reason=$gantry_missing
  upstream_by="this script"
  if [ -n "$gantry" ] && start_gantry "$w"; then
    upstream_by="gantry (replica pid $upstream_pid)"
  else
    stop_gantry
    gantry_pid=""
    start_upstream_standalone "$w"
  fi
  say "upstream on 127.0.0.1:$upstream_port, run by $upstream_by"
  contenders=(direct)
  if [ -z "$gantry_reason" ]; then
    contenders+=(gantry)
    threads=$(find "/proc/$gantry_pid/task" -mindepth 1 -maxdepth 1 | wc -l)
    names=$(cat /proc/"$gantry_pid"/task/*/comm 2>/dev/null | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep=", " }')
    say "gantry daemon pid $gantry_pid on 127.0.0.1:$gantry_port: $threads threads ($names)"
    printf '%s\tgantry\tok\n' "$w" >> "$notes"
  else
    say "gantry: not available ($gantry_reason)"
    printf '%s\tgantry\t%s\n' "$w" "$gantry_reason" >> "$notes"
  fi
  start_nginx_proxy "$w"
  start_haproxy "$w"
  nginx_pids="$nginx_pid $(children_of "$nginx_pid")"
  contenders+=(nginx haproxy)
  say "nginx (proxy) pids $nginx_pids on 127.0.0.1:$nginx_port; HAProxy pid $haproxy_pid on 127.0.0.1:$haproxy_port"

  url_of() {
    case $1 in
      direct) echo "http://127.0.0.1:$upstream_port/" ;;
      gantry) echo "http://127.0.0.1:$gantry_port/" ;;
      nginx) echo "http://127.0.0.1:$nginx_port/" ;;
      haproxy) echo "http://127.0.0.1:$haproxy_port/" ;;
    esac
  }
  pids_of() {
    case $1 in
      direct) echo "" ;;
      gantry) echo "$gantry_pid" ;;
      nginx) echo "$nginx_pids" ;;
      haproxy) echo "$haproxy_pid" ;;
    esac
  }

  # Warm-up (not measured): fills every proxy's upstream pool and the caches.
  for name in "${contenders[@]}"; do
    "$wrk" -t "$wrk_threads" -c "$max_conns" -d 1s "$(url_of "$name")" > /dev/null 2>&1 || true
  done

  n=${#contenders[@]}
  for round in $(seq 1 "$rounds"); do
    say "round $round/$rounds"
    ci=0
    for c in $conns_list; do
      # Rotate the order every round and connection count, so no contender always goes first.
      for k in $(seq 0 $((n - 1))); do
        name=${contenders[$(((k + round - 1 + ci) % n))]}
        run_wrk "$w" "$round" "$c" "$name" "$(url_of "$name")" "$duration" "$(pids_of "$name")"
      done
      ci=$((ci + 1))
    done
  done

  # Tear the phase down: the next one starts everything again with its worker count.
  stop_pid "$haproxy_pid"; stop_pid "$nginx_pid"
  if [ -n "$gantry_pid" ] || [ -n "$gantry_state" ]; then stop_gantry; fi
  if [ "$upstream_by" = "this script" ]; then stop_pid "$upstream_pid"; fi
done

# --- the report ------------------------------------------------------------------------------
echo
python3 - "$results" "$notes" "$(getconf CLK_TCK)" "$duration" "$rounds" <<'PY'
import re, statistics, sys
from collections import defaultdict

results_path, notes_path, hz, duration, rounds = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
PEERS = ("nginx", "haproxy")
ORDER = ("direct", "gantry", "nginx", "haproxy")
CPU_TARGET_US = 20.0
UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}

def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNIT_MS[m.group(2)] if m else None

def parse_wrk(path):
    out = {"requests": None, "rps": None, "p50": None, "p99": None, "non2xx": 0, "sock": 0}
    text = open(path, errors="replace").read()
    m = re.search(r"^\s*(\d+) requests in ", text, re.M)
    if m: out["requests"] = int(m.group(1))
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if m: out["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s*{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        if m: out[key] = to_ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if m: out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m: out["sock"] = sum(map(int, m.groups()))
    if not out["requests"]:
        out["p50"] = out["p99"] = None  # wrk prints 0.00us percentiles when nothing completed
    out["raw_tail"] = text.strip().splitlines()[-1] if text.strip() else "(no output)"
    return out

def us_per_req(t0, t1, requests):
    if t0 in ("-", "gone") or t1 in ("-", "gone") or not requests:
        return None
    return (int(t1) - int(t0)) / hz * 1e6 / requests

runs = defaultdict(list)   # (w, conns, name) -> list of run dicts
by_round = defaultdict(dict)  # (w, conns, round) -> name -> run
problems = []
for line in open(results_path):
    w, rnd, c, name, log, px0, px1, up0, up1, times, rc = line.rstrip("\n").split("\t")
    r = parse_wrk(log)
    r["cpu"] = us_per_req(px0, px1, r["requests"])
    r["up_cpu"] = us_per_req(up0, up1, r["requests"])
    if "gone" in (px1, up1):
        problems.append(f"{w} worker(s), {c} conns, {name}: a measured process exited during the run")
    if r["rps"] is None or r["requests"] is None:
        problems.append(f"{w} worker(s), {c} conns, {name}: wrk gave no figures (exit {rc}: {r['raw_tail']})")
        continue
    key = (int(w), int(c), name)
    runs[key].append(r)
    by_round[(int(w), int(c), int(rnd))][name] = r

gantry_note = {}
for line in open(notes_path):
    w, what, value = line.rstrip("\n").split("\t", 2)
    if what == "gantry":
        gantry_note[int(w)] = value

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def fmt(x, spec, width):
    return f"{x:{width}{spec}}" if x is not None else f"{'-':>{width}}"

workers = sorted({k[0] for k in runs} | set(gantry_note))
conns_all = sorted({k[1] for k in runs})
print(f"proxy: results: median of {rounds} round(s) of {duration} per contender; "
      "spread = min-max over rounds; latency from wrk --latency; CPU = utime+stime of the proxy "
      "process(es) over the run / requests (nginx: master + workers; gantry: the daemon)")
verdicts = []
for w in workers:
    print()
    print(f"proxy: {w} proxy worker(s)")
    avail = gantry_note.get(w, "ok")
    if avail != "ok":
        print(f"proxy:   gantry: not available ({avail})")
    print(f"  {'conns':>5}  {'target':<8} {'req/s':>9} {'(min-max)':<15} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'proxy us/req':>12} {'upstream us/req':>15} {'failed':>7}")
    for c in conns_all:
        for name in ORDER:
            rs = runs.get((w, c, name))
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            failed = sum(r["non2xx"] + r["sock"] for r in rs)
            spread = f"({min(rps):.0f}-{max(rps):.0f})"
            cpu = med([r["cpu"] for r in rs]) if name != "direct" else None
            print(f"  {c:>5}  {name:<8} {statistics.median(rps):>9.0f} {spread:<15} "
                  f"{fmt(med([r['p50'] for r in rs]), '.3f', 7)} {fmt(med([r['p99'] for r in rs]), '.3f', 7)} "
                  f"{fmt(cpu, '.1f', 12)} {fmt(med([r['up_cpu'] for r in rs]), '.1f', 15)} {failed:>7}")
    if avail != "ok":
        verdicts.append((w, None, f"not judged: gantry not available ({avail})"))
        continue
    print(f"  gantry / best peer, median of same-round ratios (best = highest req/s, lowest p99):")
    print(f"  {'conns':>5}  {'req/s ratio':<24} {'p99 ratio':<24} CPU us/req gantry vs best peer")
    for c in conns_all:
        rps_ratios, p99_ratios, best_rps_names, best_p99_names = [], [], [], []
        for rnd in range(1, rounds + 1):
            got = by_round.get((w, c, rnd), {})
            g = got.get("gantry")
            peers = {n: got[n] for n in PEERS if n in got}
            if not g or not peers:
                continue
            best = max(peers, key=lambda n: peers[n]["rps"])
            rps_ratios.append(g["rps"] / peers[best]["rps"] if peers[best]["rps"] else None)
            best_rps_names.append(best)
            p99s = {n: p["p99"] for n, p in peers.items() if p["p99"]}
            if g["p99"] and p99s:
                bestp = min(p99s, key=p99s.get)
                p99_ratios.append(g["p99"] / p99s[bestp])
                best_p99_names.append(bestp)
        rr, pr = med(rps_ratios), med(p99_ratios)
        g_runs = runs.get((w, c, "gantry"), [])
        g_cpu = med([r["cpu"] for r in g_runs])
        peer_cpus = {n: med([r["cpu"] for r in runs.get((w, c, n), [])]) for n in PEERS}
        peer_cpus = {n: v for n, v in peer_cpus.items() if v is not None}
        best_cpu = min(peer_cpus, key=peer_cpus.get) if peer_cpus else None
        g_failed = sum(r["non2xx"] + r["sock"] for r in g_runs)
        common = lambda names: max(set(names), key=names.count) if names else "-"
        rr_s = f"{rr:.2f}x ({common(best_rps_names)})" if rr is not None else "-"
        pr_s = f"{pr:.2f}x ({common(best_p99_names)})" if pr is not None else "-"
        cpu_s = (f"{g_cpu:.1f} vs {peer_cpus[best_cpu]:.1f} ({best_cpu})"
                 if g_cpu is not None and best_cpu else "-")
        ok_rps = rr is not None and rr >= 1.0
        ok_p99 = pr is not None and pr <= 1.0
        ok_cpu = g_cpu is not None and g_cpu < CPU_TARGET_US
        print((f"  {c:>5}  {rr_s + (' met' if ok_rps else ' MISSED'):<24} "
               f"{pr_s + (' met' if ok_p99 else ' MISSED'):<24} "
               f"{cpu_s + (' met' if ok_cpu else ' MISSED'):<34}"
               + (f"  ({g_failed} failed requests)" if g_failed else "")).rstrip())
        verdicts.append((w, c, (ok_rps, ok_p99, ok_cpu, g_failed)))

print()
print(f"proxy: targets: gantry req/s >= 1.0x the best peer, p99 <= the best peer's, "
      f"CPU per request < {CPU_TARGET_US:.0f} us, no failed requests")
for w in workers:
    vs = [v for v in verdicts if v[0] == w]
    if any(v[1] is None for v in vs):
        print(f"proxy:   {w} worker(s): {vs[0][2]}")
        continue
    parts = []
    for label, i in (("req/s", 0), ("p99", 1), ("CPU", 2)):
        met = [str(v[1]) for v in vs if v[2][i]]
        missed = [str(v[1]) for v in vs if not v[2][i]]
        parts.append(f"{label} " + ("met at all" if not missed else
                     ("MISSED at all" if not met else f"met at {' '.join(met)}, MISSED at {' '.join(missed)}")))
    failed = sum(v[2][3] for v in vs)
    parts.append("no failed requests" if not failed else f"{failed} FAILED requests")
    print(f"proxy:   {w} worker(s), by connection count: " + "; ".join(parts))
for p in problems:
    print(f"proxy: warning: {p}")
PY
