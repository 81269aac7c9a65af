#!/usr/bin/env bash
# bench/scan: gantry scan against secretlint (npm, recommended preset) on a generated tree with
# planted secrets and decoys (bench/scan/generate.py): MB/s, CPU time, peak RSS, recall and
# precision for both, round-robin, median and spread. Targets (../shared/DESIGN.md): >= 1 GB/s
# warm cache on 2 cores, recall and precision >= 0.98. Exits non-zero only if a tool fails to run.
#   SIZE_MB (100)  SEED (1)  ROUNDS (3)  SECRETLINT_SIZE_MB (20): secretlint's tree when one run on
#   the full tree would take over SECRETLINT_MAX_SECONDS (240); KEEP=1 keeps the temp dir.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/bench/scan"
size_mb=${SIZE_MB:-100}
seed=${SEED:-1}
rounds=${ROUNDS:-3}
sl_size_mb=${SECRETLINT_SIZE_MB:-20}

if [ ! -x "$build/gantry" ]; then
  echo "scan: $build/gantry not found: build it first (ninja -C $build gantry)" >&2
  exit 1
fi
gantry=$(cd "$build" && pwd)/gantry
if ! "$gantry" scan --help >/dev/null 2>&1; then
  echo "scan: $gantry has no 'scan' subcommand" >&2
  exit 1
fi
for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "scan: $tool not found (scripts/deps installs it)" >&2; exit 1; }
done
if [ ! -x "$here/node_modules/.bin/secretlint" ]; then
  echo "scan: installing secretlint from bench/scan/package-lock.json (npm ci)"
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null
fi

work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "scan: kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

echo "scan: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -sr)"
echo "scan: $("$gantry" --version 2>/dev/null | head -1 || echo 'gantry ?'), secretlint $(node "$here/node_modules/.bin/secretlint" --version)" \
     "with @secretlint/secretlint-rule-preset-recommend $(node -p "require('$here/node_modules/@secretlint/secretlint-rule-preset-recommend/package.json').version"), node $(node --version)"

python3 -B "$here/generate.py" "$work/full/tree" --size-mb "$size_mb" --seed "$seed"
small_args=()
if python3 -c "import sys; sys.exit(0 if float('$sl_size_mb') < float('$size_mb') else 1)"; then
  python3 -B "$here/generate.py" "$work/small/tree" --size-mb "$sl_size_mb" --seed "$seed"
  small_args=(--small-tree "$work/small/tree")
fi

# Warm the page cache: every file of both trees, read once.
find "$work" -type f -path '*/tree/*' -print0 | xargs -0 cat > /dev/null

python3 -B "$here/bench.py" --gantry "$gantry" --secretlint "$here/node_modules/.bin/secretlint" \
  --secretlintrc "$here/.secretlintrc.json" --tree "$work/full/tree" "${small_args[@]}" \
  --rounds "$rounds" --secretlint-max-seconds "${SECRETLINT_MAX_SECONDS:-240}" --work "$work"
