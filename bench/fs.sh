#!/usr/bin/env bash
# virtio-fs: the same file operations inside a guest (through the share) and on the host (in
# the shared directory itself, what runc would see), in one run.
#
#   bench/fs.sh [--size MIB] [--files N] [--share-cache SECS] [--no-results]
#
# The guest is restored from a snapshot and runs the agent's fs-test task with a share named
# `bench`, which makes it also run the benchmark (agent/fsbench.c) there, as the host does
# (`incept-agent --fsbench=DIR`), with the same fsbench.conf:
#   - N files of 4 KiB in one directory (--files, default 10000): create+write, stat, open+read,
#     unlink, each timed per file;
#   - sequential write (--size MiB, default 256, in 1 MiB writes + fsync) and read (after
#     POSIX_FADV_DONTNEED);
#   - `busybox tar -x` of a busybox rootfs (the binary + `busybox --install -s` links, as
#     tests/bats' make_busybox_bundle) made here from /bin/busybox, with that busybox; the two
#     extracted trees are compared.
# Prints `name: value` lines, guest and host side by side, ratios (host time / guest time, so
# 1.0 means the guest is as fast as the host), and where the guest's time went per phase: the
# FUSE requests the VMM served (fuse_requests_<phase>, fuse_<phase>_<op>_count) and its time on
# them (vmm_ms_<phase>); the rest of the guest's time (guest_side_ms_<phase>) is the guest
# kernel and the virtqueue round trips. Appends everything to bench/RESULTS.md.
# On a PVM host (guest kernel emulated) the defaults take about an hour: 0.23-0.35 s per small
# file and ~1 MiB/s sequential; `--files 1000 --size 64` takes ~12 minutes (docs/virtio-fs.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cache=1 write_results=1 size=256 files=10000
usage() {
	echo "usage: $0 [--size MIB] [--files N] [--share-cache SECS] [--no-results]" >&2
	exit 2
}
number() { [[ $2 =~ ^[1-9][0-9]{0,6}$ ]] || { echo "$0: $1 wants a number" >&2; usage; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--size) number "$1" "${2:-}"; size=$2; shift 2 ;;
	--files) number "$1" "${2:-}"; files=$2; shift 2 ;;
	--share-cache) cache=${2:-}; shift 2 ;;
	--no-results) write_results=0; shift ;;
	*) usage ;;
	esac
done
vmm=$bin/incept-vmm agent=$bin/incept-agent
bench_need "$vmm" "$agent" "$art/vmlinux" "$art/initrd.cpio" /bin/busybox

work=$(mktemp -d "${TMPDIR:-/var/tmp}/incept-fs-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rw" "$work/ro" "$work/bench" "$work/host" "$work/outside" "$work/tree/usr/bin" \
	"$work/tree/bin"
echo hello >"$work/ro/hello"
echo "outside" >"$work/outside/secret"
ln -s "$work/outside/secret" "$work/rw/secret_abs"
ln -s ../outside/secret "$work/rw/secret_rel"

# The rootfs to extract, and what both sides are told (agent/fstest.h, AGENT_FSBENCH_CONF).
cp /bin/busybox "$work/tree/usr/bin/busybox"
/bin/busybox --install -s "$work/tree/bin" # links to /usr/bin/busybox
tar --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" -C "$work/tree" .
for d in "$work/bench" "$work/host"; do
	cp /bin/busybox "$work/rootfs.tar" "$d/"
	printf 'seq_mib=%s\nfiles=%s\n' "$size" "$files" >"$d/fsbench.conf"
done

echo "fs.sh: restoring a guest (a cold boot first if there is no snapshot yet)" >&2
t0=$(date +%s)
timeout 14400 "$vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" \
	--snapshot-dir "$work/snaps" --agent-task fs-test --share-cache "$cache" \
	--share "rw=$work/rw" --share "ro=$work/ro:ro" --share "bench=$work/bench" \
	--console-log "$work/guest.console" >/dev/null 2>"$work/vmm.log" ||
	{ cat "$work/vmm.log" "$work/guest.console" >&2; exit 1; }
echo "fs.sh: guest done in $(($(date +%s) - t0)) s; now the host" >&2
"$agent" --fsbench="$work/host" >"$work/host.out"
tr -d '\r' <"$work/guest.console" >"$work/guest.out"
grep -q '^fstest: ok' "$work/guest.out" || { echo "fs.sh: the guest's fstest failed" >&2; exit 1; }
for s in guest host; do
	grep -q '^fsbench: FAILED' "$work/$s.out" &&
		{ grep '^fsbench: FAILED' "$work/$s.out" >&2; exit 1; }
done
# what tar made in the guest is what it made on the host: names, types, link targets, sizes
listing() { (cd "$1" && find . -printf '%y %m %U:%G %s %p %l\n' | LC_ALL=C sort); }
diff <(listing "$work/bench/fsbench-tar") <(listing "$work/host/fsbench-tar") >&2 ||
	{ echo "fs.sh: the guest's tar -x differs from the host's" >&2; exit 1; }

# phase_us FILE NAME: a phase's microseconds from "fsbench_phase: <n> <name> <us>"
phase_us() { awk -v n="$2" '$1 == "fsbench_phase:" && $3 == n { print $4 }' "$1" | tail -n 1; }
# vmm_stats LABEL: the VMM's "virtio-fs stats LABEL: requests=N errors=E host_us=T op=c/e/us..."
vmm_stats() { sed -n "s/.*virtio-fs stats $1: \\([^\"]*\\).*/\\1/p" "$work/vmm.log" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }

# where_time NAME LABEL GUEST_US: the phase's FUSE requests and the split of its guest time
where_time() {
	local name=$1 stats req vmm_us
	stats=$(vmm_stats "$2")
	[ -n "$stats" ] || { echo "fs.sh: no VMM stats for phase $name" >&2; return; }
	req=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$stats")
	vmm_us=$(sed -n 's/.*host_us=\([0-9]*\).*/\1/p' <<<"$stats")
	echo "fuse_requests_$name: $req"
	echo "vmm_ms_$name: $(ms "$vmm_us")"
	echo "guest_side_ms_$name: $(ms "$(($3 - vmm_us))")"
	[ "$req" -gt 0 ] && echo "guest_us_per_request_$name: $(($3 / req))"
	tr ' ' '\n' <<<"$stats" | awk -F'[=/]' -v p="$name" \
		'NF == 4 { printf "fuse_%s_%s_count: %s\n", p, $1, $2 }'
}

out=$work/results
{
	echo "host_kind: $(bench_host_kind)"
	echo "share_cache_s: $cache"
	echo "files: $files"
	echo "seq_mib: $size"
	echo "tar_entries: $(tar -tf "$work/rootfs.tar" | wc -l)"
	echo "guest_mount_us: $(value "$work/guest.out" fsbench_mount_us)"
	echo "guest_fstest_ms: $(value "$work/guest.out" fstest_total_ms)"
	for m in create_write_4k_us stat_us open_read_4k_us unlink_us files_us seq_write_mib_s \
		seq_read_mib_s tar_x_ms; do
		echo "guest_$m: $(value "$work/guest.out" "fsbench_$m")"
		echo "host_$m: $(value "$work/host.out" "fsbench_$m")"
	done
	mount_us=$(value "$work/guest.out" fsbench_mount_us | cut -d. -f1)
	where_time mount 1 "$mount_us"
	where_time fstest 2 "$(($(value "$work/guest.out" fstest_total_ms) * 1000))"
	n=3
	for p in create stat read unlink seq_write seq_read tar_x; do
		us=$(phase_us "$work/guest.out" "$p")
		[ -n "$us" ] && where_time "$p" "$n" "$us"
		n=$((n + 1))
	done
	# after the last phase: the unmount (DESTROY) and late RELEASEs, as label 0
	where_time unmount 0 0 | grep '^fuse_'
} >"$out"
# the run's totals per opcode, over every phase
awk -F': ' '/^fuse_[a-z0-9_]+_count: / { op = $1; sub(/^fuse_(mount|fstest|create|stat|read|unlink|seq_write|seq_read|tar_x|unmount)_/, "", op); t[op] += $2 }
	END { for (o in t) printf "fuse_%s: %d\n", o, t[o] }' "$out" | LC_ALL=C sort >"$work/totals"
cat "$work/totals" >>"$out"

ratio() { # ratio NAME A B: A/B with 6 decimals (PVM ratios are ~1e-4)
	awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%s: %.6f\n", n, a / b }'
}
{
	ratio seq_read_ratio "$(value "$out" guest_seq_read_mib_s)" "$(value "$out" host_seq_read_mib_s)"
	ratio seq_write_ratio "$(value "$out" guest_seq_write_mib_s)" \
		"$(value "$out" host_seq_write_mib_s)"
	# the whole small-file phase: create, stat, read and unlink of every file
	ratio metadata_ratio "$(value "$out" host_files_us)" "$(value "$out" guest_files_us)"
	ratio stat_ratio "$(value "$out" host_stat_us)" "$(value "$out" guest_stat_us)"
	ratio tar_x_ratio "$(value "$out" host_tar_x_ms)" "$(value "$out" guest_tar_x_ms)"
} >>"$out"
cat "$out"
if [ "$write_results" = 1 ]; then
	bench_record fs "$(value "$out" host_kind)" "$out"
fi
