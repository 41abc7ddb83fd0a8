#!/usr/bin/env bash
# Cold boot benchmark: N boots of kernel + agent (selftest mode) with incept-vmm.
#
#   bench/boot.sh [-n N] [-m MIB] [-c VCPUS] [--no-results]
#
# Prints min/median/max of VMM exec -> agent ready (the VMM's own ready_ms, measured from
# the first instruction of main()), the agent selftest's timings, the VMM's RSS beyond guest
# RAM (sampled by the VMM itself when the agent is ready: process RSS minus the resident
# pages of the guest-memory mapping), and a table of where boot time goes (one extra boot
# with printk timestamps and initcall_debug). Appends a section to bench/RESULTS.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=5 mem=64 vcpus=1 write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	-m) mem=$2; shift 2 ;;
	-c) vcpus=$2; shift 2 ;;
	--no-results) write_results=0; shift ;;
	*) echo "usage: $0 [-n N] [-m MIB] [-c VCPUS] [--no-results]" >&2; exit 2 ;;
	esac
done
vmm=$bin/incept-vmm kernel=$art/vmlinux initrd=$art/initrd.cpio
bench_need "$vmm" "$kernel" "$initrd"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


# boot I [extra --append words]: one selftest boot; stderr has the VMM's timing lines.
boot() {
	local i=$1
	shift
	if ! timeout 600 "$vmm" --kernel "$kernel" --initrd "$initrd" --memory "$mem" \
		--vcpus "$vcpus" --timing --console-log "$work/console.$i" \
		--append "incept.selftest=1 printk.time=1 $*" >"$work/out.$i" 2>"$work/err.$i"; then
		echo "boot.sh: boot $i failed:" >&2
		tail -n 5 "$work/err.$i" >&2
		exit 1
	fi
}

echo "# $n cold boots, --memory $mem --vcpus $vcpus, $(uname -r)" >&2
# The host is shared: record how busy it was (1-minute load average) around the boots.
load_start=$(cut -d' ' -f1 /proc/loadavg)
readys=()
for i in $(seq 1 "$n"); do
	boot "$i"
	r=$(value "$work/err.$i" ready_ms)
	readys+=("$r")
	echo "boot $i: ready_ms $r" >&2
done
sorted=$(printf '%s\n' "${readys[@]}" | sort -n)
min=$(echo "$sorted" | head -n 1)
max=$(echo "$sorted" | tail -n 1)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
	else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
load_end=$(cut -d' ' -f1 /proc/loadavg)
rss=$(for i in $(seq 1 "$n"); do value "$work/err.$i" vmm_rss_kib; done | sort -n | tail -n 1)
host=$(value "$work/err.1" host_kind)

# One profiling boot: every printk with its timestamp, and each initcall's duration
# (initcall_debug prints at KERN_DEBUG, which only loglevel=8 shows).
boot prof "loglevel=8 initcall_debug"
con=$work/console.prof
ts() { # first printk timestamp of a line matching $1 (seconds)
	tr -d '\r' <"$con" | grep -m1 -E "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

report() {
	echo "host_kind: $host"
	echo "boots: $n (memory ${mem} MiB, vcpus $vcpus)"
	echo "cold_boot_min_ms: $min"
	echo "cold_boot_median_ms: $median"
	echo "cold_boot_max_ms: $max"
	echo "host_loadavg: $load_start -> $load_end ($(nproc) CPUs)"
	echo "vmm_rss_kib: $rss"
	for k in selftest_getpid_us selftest_fork_exec_wait_ms selftest_vfork_exec_wait_ms \
		selftest_file_write_read_us selftest_nproc selftest_mem_total_kib; do
		echo "$k: $(value "$work/console.1" "$k")"
	done
	echo
	echo "where boot time goes (profiling boot; guest printk clock, s):"
	printf '  %-44s %s\n' "VMM: exec -> first KVM_RUN (ms)" "$(value "$work/err.prof" first_run_ms)"
	printf '  %-44s %s\n' "VMM: kvm setup (ms)" "$(value "$work/err.prof" kvm_setup_ms)"
	printf '  %-44s %s\n' "VMM: kernel + initrd load (ms)" "$(value "$work/err.prof" kernel_load_ms)"
	printf '  %-44s %s\n' "kernel: memory map set up (Zone ranges)" "$(ts 'Zone ranges')"
	printf '  %-44s %s\n' "kernel: page allocator up (Memory:)" "$(ts '] Memory: ')"
	printf '  %-44s %s\n' "kernel: initcalls start (devtmpfs)" "$(ts 'devtmpfs: initialized')"
	printf '  %-44s %s\n' "kernel: initcalls done (Freeing unused)" "$(ts 'Freeing unused kernel')"
	printf '  %-44s %s\n' "kernel: run /init" "$(ts 'Run /init')"
	printf '  %-44s %s\n' "VMM: run -> agent ready (ms, profiling boot)" "$(value "$work/err.prof" run_to_ready_ms)"
	echo "  slowest initcalls (us):"
	tr -d '\r' <"$con" | sed -n 's/.*initcall \([^ ]*\) returned .* after \([0-9]*\) usecs/\2 \1/p' |
		sort -rn | awk 'NR <= 10 { printf "    %-10s %s\n", $1, $2 }' # no head: SIGPIPE + pipefail
	echo "  exits (profiling boot):"
	grep -E '^(exits_|emulation_fixups)' "$work/err.prof" | sed 's/^/    /'
}

report | tee "$work/report"
if [ "$write_results" = 1 ]; then
	bench_record boot "$host" "$work/report"
fi
