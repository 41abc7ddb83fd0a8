#!/usr/bin/env bash
# Start latency and memory: cold boot vs snapshot restore, side by side with runc.
#
#   bench/start.sh [-n RESTORES] [-c COLD_BOOTS] [-g IDLE_GUESTS] [--no-results]
#
# In one run, on one machine:
#   - cold boot: VMM exec -> agent ready without a snapshot (the VMM's ready_ms);
#   - restore: VMM exec -> agent ready (READY after reseed), N restores of one snapshot;
#   - runc: `runc run` of a busybox `true` container, exec -> exit (wall clock), as the
#     reference for what containerd users get today;
#   - host memory per idle restored guest: G guests restored at once and left idle, the PSS
#     of each VMM (/proc/PID/smaps_rollup: shared snapshot pages are split fairly).
# Prints `name: value` lines and a breakdown of one restore; appends to bench/RESULTS.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=20 cold=3 guests=5 write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	-c) cold=$2; shift 2 ;;
	-g) guests=$2; shift 2 ;;
	--no-results) write_results=0; shift ;;
	*) echo "usage: $0 [-n RESTORES] [-c COLD_BOOTS] [-g IDLE_GUESTS] [--no-results]" >&2; exit 2 ;;
	esac
done
vmm=$bin/incept-vmm
bench_need "$vmm" "$art/vmlinux" "$art/initrd.cpio"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
snaps=$work/snaps

run_vmm() { # run_vmm LOG ARGS...: one VMM run, --timing lines in LOG
	local log=$1
	shift
	timeout 600 "$vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" --timing "$@" \
		>/dev/null 2>"$log"
}
stats() { # stats NAME values...: NAME_min/median/max lines (integers)
	local name=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v n="$name" '{ a[NR] = $1 } END {
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
		printf "%s_min_ms: %d\n%s_median_ms: %d\n%s_max_ms: %d\n", n, a[1], n, m, n, a[NR] }'
}

echo "# $cold cold boots, $n restores, $guests idle guests; $(uname -r), $(nproc) CPUs" >&2
colds=()
for i in $(seq 1 "$cold"); do
	run_vmm "$work/cold.$i" --agent-task poweroff
	colds+=("$(value "$work/cold.$i" ready_ms)")
done
run_vmm "$work/build" --snapshot-dir "$snaps" --snapshot-only
restores=()
for i in $(seq 1 "$n"); do
	run_vmm "$work/restore.$i" --snapshot-dir "$snaps" --agent-task poweroff
	grep -q 'restored from a snapshot' "$work/restore.$i" ||
		{ echo "start.sh: restore $i did not restore:" >&2; cat "$work/restore.$i" >&2; exit 1; }
	restores+=("$(value "$work/restore.$i" ready_ms)")
done

# runc reference: busybox `true` in a fresh container, wall clock of `runc run`.
runcs=()
if command -v runc >/dev/null && [ -x /bin/busybox ]; then
	b=$work/bundle
	mkdir -p "$b/rootfs/bin"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	(cd "$b" && runc spec)
	sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/busybox", "true"/' "$b/config.json"
	for i in $(seq 1 "$n"); do
		t0=$(date +%s%N)
		runc --root "$work/runc" run --bundle "$b" "bench-$i" >/dev/null 2>&1
		runcs+=("$((($(date +%s%N) - t0) / 1000000))")
	done
fi

# Idle restored guests: start G, wait until each is ready, then read each VMM's PSS.
for i in $(seq 1 "$guests"); do
	"$vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" --snapshot-dir "$snaps" \
		--agent-task idle >/dev/null 2>"$work/idle.$i" &
	pids+=("$!")
done
for i in $(seq 1 "$guests"); do
	for _ in $(seq 1 500); do grep -q 'agent ready' "$work/idle.$i" && break; sleep 0.02; done
done
sleep 1 # let them settle idle
pss=() rss=()
for p in "${pids[@]}"; do
	pss+=("$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")")
	rss+=("$(awk '/^Rss:/ { print $2 }' "/proc/$p/smaps_rollup")")
done
idle_pss=$(printf '%s\n' "${pss[@]}" | awk '{ s += $1 } END { printf "%d", s / NR }')
idle_rss=$(printf '%s\n' "${rss[@]}" | awk '{ s += $1 } END { printf "%d", s / NR }')

r=$work/restore.1
{
	echo "host_kind: $(value "$r" host_kind)"
	stats cold_boot "${colds[@]}"
	stats restore "${restores[@]}"
	[ ${#runcs[@]} -gt 0 ] && stats runc_run_true "${runcs[@]}"
	echo "idle_guest_host_kib: $idle_pss"
	echo "idle_guest_rss_kib: $idle_rss"
	echo "snapshot_disk_kib: $(du -sk "$snaps" | cut -f1)"
	echo "snapshot_save_ms: $(sed -n 's/.*snapshot [0-9a-f]* saved in \([0-9]*\) ms.*/\1/p' "$work/build")"
	echo
	echo "where a restore's milliseconds go (restore 1):"
	for k in build_kvm_ms build_vm_ms build_snapshot_ms build_memory_ms build_vcpus_ms \
		first_run_ms run_to_ready_ms ready_ms; do
		printf '  %-20s %s\n' "$k" "$(value "$r" "$k")"
	done
	printf '  %-20s %s\n' "agent_generation_ms" "$(sed -n 's/.*agent mark 4 at \([0-9]*\) ms.*/\1/p' "$r")"
	printf '  %-20s %s\n' "agent_reseeded_ms" "$(sed -n 's/.*agent mark 5 at \([0-9]*\) ms.*/\1/p' "$r")"
	echo "  (build_snapshot = find + verify the snapshot; build_vcpus = create vCPUs + restore state;"
	echo "   first_run = exec -> first KVM_RUN; agent_* = since exec, the agent's marks after"
	echo "   resume; run_to_ready = guest: generation query, RNG reseed, clock, READY)"
} | tee "$work/report"

if [ "$write_results" = 1 ]; then
	bench_record start "$(value "$r" host_kind)" "$work/report"
fi
