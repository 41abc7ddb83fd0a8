#!/usr/bin/env bash
# virtio-fs: the same file operations inside a guest (through the share) and on the host (in
# the shared directory itself, what runc would see), in one run.
#
#   bench/fs.sh [--share-cache SECS] [--no-results]
#
# The guest is restored from a snapshot and runs the agent's fs-test task with a share named
# `bench`, which makes it also run the benchmark (agent/fsbench.c) there: mount time, mean
# latency of stat / open+read+close of a 4 KiB file / create+write+close of a 4 KiB file /
# unlink (100 each), sequential write (64 MiB in 1 MiB writes + fsync) and read (after
# POSIX_FADV_DONTNEED). The host side runs the same code (`incept-agent --fsbench=DIR`).
# Prints `name: value` lines, guest and host side by side, and ratios (host time / guest time,
# so 1.0 means the guest is as fast as the host); appends them to bench/RESULTS.md.
# One run takes ~5 minutes on a PVM host.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cache=1 write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	--share-cache) cache=$2; shift 2 ;;
	--no-results) write_results=0; shift ;;
	*) echo "usage: $0 [--share-cache SECS] [--no-results]" >&2; exit 2 ;;
	esac
done
vmm=$bin/incept-vmm agent=$bin/incept-agent
bench_need "$vmm" "$agent" "$art/vmlinux" "$art/initrd.cpio"

work=$(mktemp -d "${TMPDIR:-/var/tmp}/incept-fs-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rw" "$work/ro" "$work/bench" "$work/host" "$work/outside"
echo hello >"$work/ro/hello"
echo "outside" >"$work/outside/secret"
ln -s "$work/outside/secret" "$work/rw/secret_abs"
ln -s ../outside/secret "$work/rw/secret_rel"


echo "fs.sh: restoring a guest (a cold boot first if there is no snapshot yet)" >&2
timeout 1800 "$vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" \
	--snapshot-dir "$work/snaps" --agent-task fs-test --share-cache "$cache" \
	--share "rw=$work/rw" --share "ro=$work/ro:ro" --share "bench=$work/bench" \
	--console-log "$work/guest.console" >/dev/null 2>"$work/vmm.log" ||
	{ cat "$work/vmm.log" "$work/guest.console" >&2; exit 1; }
"$agent" --fsbench="$work/host" >"$work/host.out"

out=$work/results
{
	echo "host_kind: $([ -d /sys/module/kvm_pvm ] && echo pvm || echo kvm)"
	echo "share_cache_s: $cache"
	echo "guest_mount_us: $(value "$work/guest.console" fsbench_mount_us)"
	echo "guest_fstest_ms: $(value "$work/guest.console" fstest_total_ms)"
	for m in stat_us open_read_4k_us create_write_4k_us unlink_us seq_write_mib_s \
		seq_read_mib_s; do
		echo "guest_$m: $(value "$work/guest.console" "fsbench_$m")"
		echo "host_$m: $(value "$work/host.out" "fsbench_$m")"
	done
} >"$out"
ratio() { # ratio NAME A B: A/B with 4 decimals
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%s: %.4f\n", n, a / b }'
}
{
	ratio seq_read_ratio "$(value "$out" guest_seq_read_mib_s)" "$(value "$out" host_seq_read_mib_s)"
	ratio seq_write_ratio "$(value "$out" guest_seq_write_mib_s)" \
		"$(value "$out" host_seq_write_mib_s)"
	ratio metadata_ratio "$(value "$out" host_create_write_4k_us)" \
		"$(value "$out" guest_create_write_4k_us)"
	ratio stat_ratio "$(value "$out" host_stat_us)" "$(value "$out" guest_stat_us)"
} >>"$out"
cat "$out"
grep -q '^fstest: ok' <(tr -d '\r' <"$work/guest.console") ||
	{ echo "fs.sh: the guest's fstest failed" >&2; exit 1; }
if [ "$write_results" = 1 ]; then
	bench_record fs "$(value "$out" host_kind)" "$out"
fi
