#!/usr/bin/env bash
# Runs a libFuzzer target over its seed corpus, then fuzzes for N seconds
# (in a scratch copy of the corpus, so the repo's corpus stays as committed).
# Prints one TAP line: ok when libFuzzer found no crash, leak or timeout.
set -uo pipefail
target=$1 corpus=$2 secs=${3:-20}
name=$(basename "$target")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
echo "1..1"
if "$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
	echo "ok 1 - $name: ${secs}s, $(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$work.log" | grep -oE '[0-9]+$') runs, no crash"
else
	tail -n 30 "$work.log" | sed 's/^/# /'
	echo "not ok 1 - $name: crash, leak or timeout (see above)"
fi
rm -f "$work.log"
