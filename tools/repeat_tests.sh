#!/usr/bin/env bash
# Runs pytest N times in a row, as `make test` does, and counts the runs that passed, failed or crashed.
# A crash that shows once in five runs (a Qt object deleted in the wrong order, say) passes CI by luck:
# this is how to tell a steady suite from a lucky one.
#
# Usage: tools/repeat_tests.sh N [pytest args]     (default args: tests/qt)
#   A run crashed when it was killed by a signal (exit code >= 128), printed "Fatal Python error", or
#   outlived REPEAT_TIMEOUT seconds (default 1800: a hang). It failed on any other non-zero exit code.
#   The log of every bad run is kept in REPEAT_LOG_DIR (default: a new folder under /tmp); with
#   REPEAT_KEEP_LOGS=1 the logs of the runs that passed too.
# Prints one line per run, a summary line, and last one JSON line with the counts. Exit code 0 only when
# every run passed.
set -uo pipefail

if [[ $# -lt 1 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N [pytest args]   (runs pytest N times; default args: tests/qt)" >&2
  exit 2
fi
runs="$1"
shift
args=("$@")
[[ ${#args[@]} -eq 0 ]] && args=(tests/qt)

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/.venv/bin/python}"
if [[ ! -x "$python" ]]; then
  echo "no Python at $python: run 'make test' once (it creates .venv), or set PYTHON" >&2
  exit 2
fi
log_dir="${REPEAT_LOG_DIR:-$(mktemp -d /tmp/repeat_tests.XXXXXX)}"
mkdir -p "$log_dir"
limit="${REPEAT_TIMEOUT:-1800}"

# The environment `make test` gives pytest (Makefile: QT_QPA_PLATFORM, QTWEBENGINE_DISABLE_SANDBOX, PYTHONPATH).
export QT_QPA_PLATFORM=offscreen
export QTWEBENGINE_DISABLE_SANDBOX="${QTWEBENGINE_DISABLE_SANDBOX:-1}"
export PYTHONPATH="$root"

passed=0 failed=0 crashed=0
for ((i = 1; i <= runs; i++)); do
  log="$log_dir/run-$i.log"
  started=$SECONDS
  timeout -k 30 "$limit" "$python" -m pytest -q "${args[@]}" >"$log" 2>&1
  code=$?
  took=$((SECONDS - started))
  if ((code == 124 || code == 137)); then
    verdict=crashed
    echo "repeat_tests: no result after ${limit} s: stopped (a hang)" >>"$log"
  elif ((code >= 128)) || grep -q "Fatal Python error" "$log"; then
    verdict=crashed
  elif ((code != 0)); then
    verdict=failed
  else
    verdict=passed
  fi
  case $verdict in
    passed) passed=$((passed + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    crashed) crashed=$((crashed + 1)) ;;
  esac
  summary="$(grep -E '[0-9]+ (passed|failed|error)' "$log" | tail -n 1)"
  if [[ $verdict == passed ]]; then
    [[ "${REPEAT_KEEP_LOGS:-0}" == 1 ]] || rm -f "$log"
    echo "run $i/$runs: passed (${took} s) ${summary}"
  else
    echo "run $i/$runs: $verdict, exit code $code (${took} s) ${summary}; log: $log"
  fi
done

echo "$runs runs: $passed passed, $failed failed, $crashed crashed"
printf '{"runs": %d, "passed": %d, "failed": %d, "crashed": %d, "logs": "%s"}\n' \
  "$runs" "$passed" "$failed" "$crashed" "$log_dir"
[[ $passed -eq $runs ]]
