#!/usr/bin/env bash
# vsock throughput and latency: host client -> VMM Unix socket -> virtio-vsock -> the agent's
# echo in a restored guest -> back, next to the same echo through a host socketpair.
#
#   bench/vsock.sh [-b BYTES] [-n CONNECTS]
#
# Prints `name: value` lines: vsock_echo_mib_s (one stream, BYTES each way),
# vsock_echo8_mib_s (8 streams at once, BYTES/8 each), host_pair_mib_s and the ratio,
# connect_ms and echo_rtt_ms (medians of CONNECTS), and the VMM's exits for the run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
snaps=${INCEPT_SNAPSHOT_DIR:-$root/build/snapshots}
bytes=$((4 << 20)) n=20
while [ $# -gt 0 ]; do
	case $1 in
	-b) bytes=$2; shift 2 ;;
	-n) n=$2; shift 2 ;;
	*) echo "usage: $0 [-b BYTES] [-n CONNECTS]" >&2; exit 2 ;;
	esac
done
client="python3 $root/tests/bats/vsock_client.py"
bench_need "$bin/incept-vmm" "$art/vmlinux" "$art/initrd.cpio"

work=$(mktemp -d /tmp/incept-vsock-bench.XXXXXX)
vmm_pid=
cleanup() {
	[ -n "$vmm_pid" ] && kill "$vmm_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$bin/incept-vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" --snapshot-dir "$snaps" \
	--snapshot-only >/dev/null 2>"$work/build.log"
"$bin/incept-vmm" --kernel "$art/vmlinux" --initrd "$art/initrd.cpio" --snapshot-dir "$snaps" \
	--agent-task vsock-echo --vsock-socket "$work/v.sock" --timing 2>"$work/vmm.log" &
vmm_pid=$!
$client wait "$work/v.sock" 1024 60 >/dev/null

rate() { sed -n 's/.*(\([0-9.]*\) MiB\/s).*/\1/p'; }
one=$($client echo "$work/v.sock" 1024 "$bytes" | rate)
eight=$($client echo "$work/v.sock" 1024 $((bytes / 8)) 8 | rate)
pair=$($client pair "$bytes" | rate)
echo "bytes_each_way: $bytes"
echo "vsock_echo_mib_s: $one"
echo "vsock_echo8_mib_s: $eight"
echo "host_pair_mib_s: $pair"
awk -v a="$pair" -v b="$one" 'BEGIN { printf "pair_to_vsock_ratio: %.0f\n", a / b }'
$client latency "$work/v.sock" 1024 "$n"
kill -TERM "$vmm_pid"
wait "$vmm_pid" || true
vmm_pid=
# Where the guest's exits went during the whole run (all of the above).
grep -E '^exits_(mmio|hlt|io)' "$work/vmm.log" | grep -v ': 0$' || true
