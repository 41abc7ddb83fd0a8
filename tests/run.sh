#!/usr/bin/env bash
# Runs incept's test suites, prints each suite's TAP and wall time, and ends with
#   N passed, N failed, N skipped
# summing every suite. Exit status 1 if anything failed.
#
#   tests/run.sh [--bin DIR] [all|host]
# host: unit tests + bats files that boot no VM (what `make SAN=1 test-host` runs).
# all:  also the kernel config check, fuzz smoke runs and the VM-booting bats files (vm*.bats).
set -uo pipefail

cd "$(dirname "$0")/.."
bin=build
mode=all
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) bin=$2; shift 2 ;;
	all|host) mode=$1; shift ;;
	*) echo "usage: tests/run.sh [--bin DIR] [all|host]" >&2; exit 2 ;;
	esac
done
export INCEPT_BIN=$(cd "$bin" && pwd)
export INCEPT_GUEST=$(pwd)/build   # agent, initrd and kernel are never sanitized
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

total_pass=0 total_fail=0 total_skip=0
summary=()

# Counts one TAP stream (file $1); a producer that exited non-zero ($2) without
# reporting a failure, or a plan that does not match, counts as one failure.
count_tap() {
	local f=$1 rc=$2 p s fl plan n
	p=$(grep -cE '^ok ' "$f" | head -1)
	s=$(grep -E '^ok ' "$f" | grep -ciE '# skip')
	fl=$(grep -cE '^not ok ' "$f")
	p=$((p - s))
	n=$((p + s + fl))
	plan=$(grep -m1 -oE '^1\.\.[0-9]+' "$f" | cut -d. -f3)
	if { [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ]; } || { [ -n "$plan" ] && [ "$plan" -ne "$n" ]; } ||
		[ "$n" -eq 0 ]; then
		echo "# producer exited $rc, plan ${plan:-none}, counted $n: counted as a failure"
		fl=$((fl + 1))
	fi
	suite_pass=$((suite_pass + p)) suite_fail=$((suite_fail + fl)) suite_skip=$((suite_skip + s))
}

# run_suite NAME: runs every command queued in the array `cmds` (TAP producers).
run_suite() {
	local name=$1 start end out rc c
	suite_pass=0 suite_fail=0 suite_skip=0
	echo "== suite: $name"
	start=$(date +%s.%N)
	for c in "${cmds[@]}"; do
		out=$(mktemp)
		echo "# $c"
		bash -c "$c" >"$out" 2>&1 </dev/null
		rc=$?
		cat "$out"
		count_tap "$out" "$rc"
		rm -f "$out"
	done
	end=$(date +%s.%N)
	local secs
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	echo "-- $name: $suite_pass passed, $suite_fail failed, $suite_skip skipped (${secs} s)"
	summary+=("$(printf '%-14s %4d passed %3d failed %3d skipped %8s s' "$name" "$suite_pass" "$suite_fail" "$suite_skip" "$secs")")
	total_pass=$((total_pass + suite_pass))
	total_fail=$((total_fail + suite_fail))
	total_skip=$((total_skip + suite_skip))
}

# Unit tests.
cmds=()
for t in "$INCEPT_BIN"/tests/test_*; do
	[ -x "$t" ] && cmds+=("$t")
done
[ ${#cmds[@]} -gt 0 ] && run_suite unit

if [ "$mode" = all ]; then
	cmds=()
	if [ -x guest-kernel/check-config.sh ] && [ -f build/vmlinux.config ]; then
		cmds+=("guest-kernel/check-config.sh build/vmlinux.config")
		run_suite kernel-config
	fi
	cmds=()
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		secs=$FUZZ_SECONDS
		# The FUSE dispatcher parses every guest file system request: a longer run (issue 6).
		[ "$name" = fuzz_vmm_fuse ] && secs=$((FUZZ_SECONDS * 3))
		cmds+=("tests/fuzz/smoke.sh $f tests/fuzz/corpus/$name $secs")
	done
	[ ${#cmds[@]} -gt 0 ] && run_suite fuzz
fi

# bats: one suite for host-side files, one for VM-booting files (vm*.bats).
cmds=()
for f in tests/bats/*.bats; do
	[ -e "$f" ] || continue
	case "$(basename "$f")" in vm*) continue ;; esac
	cmds+=("bats --tap $f")
done
[ ${#cmds[@]} -gt 0 ] && run_suite bats-host

if [ "$mode" = all ]; then
	cmds=()
	for f in tests/bats/vm*.bats; do
		[ -e "$f" ] && cmds+=("bats --tap $f")
	done
	# Without /dev/kvm, in one boot of an emulated AMD-V machine, where the same files (and
	# this tree) are, unless INCEPT_TCG_HOST=0; then they skip and say why.
	if [ ${#cmds[@]} -gt 0 ] && [ ! -c /dev/kvm ] && [ "${INCEPT_TCG_HOST:-1}" != 0 ] &&
		tests/tcg-host/run.sh --check; then
		echo "# no /dev/kvm here: the VM tests run under tests/tcg-host/run.sh (QEMU TCG, AMD-V)"
		cmds=("tests/tcg-host/run.sh -- bats --tap tests/bats/vm*.bats")
	fi
	[ ${#cmds[@]} -gt 0 ] && run_suite bats-vm
fi

echo "== summary ($mode, binaries in $bin)"
printf '%s\n' "${summary[@]}"
line="$total_pass passed, $total_fail failed, $total_skip skipped"
mkdir -p "$bin" && echo "$line" >"$bin/test-summary.txt"
echo "$line"
[ "$total_fail" -eq 0 ]
