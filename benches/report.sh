#!/usr/bin/env bash
# `smimescan report` over a large CSV report: wall and CPU time, peak heap
# (RssAnon), page size; then the same figures folded by Python's csv module
# (benches/report_py.py) on the same file, in the same run.
#
#   benches/report.sh                    # 10,000,000 rows (~3.1 GB in /tmp)
#   ROWS=1000000 benches/report.sh       # smaller
#   KEEP=1 benches/report.sh             # keep (and reuse) the CSV
#   PY=0 benches/report.sh               # skip the Python reference
#   NOBUILD=1 benches/report.sh          # use the release binary as built
#   REPEAT=3 benches/report.sh           # run smimescan 3 times (Python once)
#
# On a shared machine, CPU time (user+sys) is the stable figure (`nice`
# does not help against other sessions' autogroups). The wall time on idle
# cores follows from the per-thread split of the CPU time:
#   perf record -e cpu-clock -o /tmp/r.data target/release/smimescan report -o /tmp/r.html CSV
#   perf report -i /tmp/r.data --sort pid --stdio
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
DIR=${DIR:-/tmp/smimescan-report-bench}
CSV="$DIR/report-$ROWS.csv"
mkdir -p "$DIR"
[ -n "${NOBUILD:-}" ] || cargo build --release --locked --quiet
BIN=target/release/smimescan
if [ ! -s "$CSV" ]; then
  python3 benches/report_rows.py --rows "$ROWS" --out "$CSV"
fi
echo "input: $CSV ($(du -h "$CSV" | cut -f1), $ROWS rows)"
cat "$CSV" >/dev/null # warm the page cache

# Peak RssAnon of a process, sampled every 50 ms (as compare.sh does).
peak_anon() {
  local pid=$1 peak=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.05
  done
  echo "$peak"
}

run() { # label, command...
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S %M" -o "$DIR/time.txt" "$@" &
  local pid=$!
  sleep 0.02
  local child
  child=$(pgrep -P "$pid" | head -1 || true)
  local peak=0
  [ -n "$child" ] && peak=$(peak_anon "$child")
  wait "$pid"
  t1=$(date +%s.%N)
  read -r user sys maxrss <"$DIR/time.txt"
  printf '| %s | %.1f | %.1f | %.0f | %.0f |\n' "$label" \
    "$(awk "BEGIN{print $t1 - $t0}")" "$(awk "BEGIN{print $user + $sys}")" "$((peak / 1024))" "$((maxrss / 1024))"
}

echo "| run | wall s | CPU s | heap MiB (RssAnon peak) | max RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for _ in $(seq "${REPEAT:-1}"); do
  run "smimescan report" "$BIN" report --at 2026-01-01T00:00:00Z -o "$DIR/report.html" "$CSV" 2>/dev/null
done
if [ "${PY:-1}" != 0 ]; then
  run "python3 csv (benches/report_py.py)" python3 benches/report_py.py "$CSV"
fi
echo "page: $(stat -c %s "$DIR/report.html") bytes"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${KEEP:-}" ] || rm -f "$CSV"
