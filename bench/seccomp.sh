#!/usr/bin/env bash
# What a container's seccomp filter costs per system call: a static loop of getppid() calls
# (bench/src/sysloop.c) in a busybox container without a filter and with Docker's default
# profile, under incept (restored microVM) and runc, in one run.
#
#   bench/seccomp.sh [-n RUNS] [--calls N] [--no-results]
#
# Two system calls: getppid, which Docker's profile allows whatever its arguments (the
# kernel's seccomp action cache answers it without running the filter, but the call still
# takes the slow entry/exit path of a task with seccomp), and personality(0xffffffff), which
# the profile allows only for some arguments (the filter runs on every call).
# Prints `name: value` lines (medians over RUNS containers each), for SC getppid/personality:
#   incept_SC_ns, incept_SC_seccomp_ns     ns per call in the guest, without/with the filter
#   runc_SC_ns, runc_SC_seccomp_ns         the same in a runc container
#   incept_SC_seccomp_cost_ns, runc_...    what the filter adds to one call
#   guest_bpf_jit_enable                   the guest's net.core.bpf_jit_enable
# then the breakdown: the filter's size in BPF instructions (libseccomp's binary tree, as the
# runtime loads it) and the host's own cost per call (the loop run directly on the host).
# Needs /dev/kvm, runc, jq, gcc with a static libc. Appends to bench/RESULTS.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=5 calls=2000 write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	--calls) calls=$2; shift 2 ;;
	--no-results) write_results=0; shift ;;
	*) echo "usage: $0 [-n RUNS] [--calls N] [--no-results]" >&2; exit 2 ;;
	esac
done
incept=$bin/incept
bench_need "$incept" "$bin/incept-vmm" "$art/vmlinux" "$art/initrd.cpio"
for t in runc jq gcc; do
	command -v "$t" >/dev/null || { echo "seccomp.sh: $t missing (make deps)" >&2; exit 1; }
done
profile=$root/tests/unit/data/oci/docker-seccomp-default.json

work=$(mktemp -d "${TMPDIR:-/var/tmp}/incept-seccomp.XXXXXX")
iroot=$work/incept-root rroot=$work/runc-root
cleanup() {
	"$incept" --root "$iroot" delete -f sc >/dev/null 2>&1 || true
	runc --root "$rroot" delete -f sc >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev" \
	"$work/bundle/rootfs/tmp" "$work/bundle/rootfs/sys"
cp /bin/busybox "$work/bundle/rootfs/bin/"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$work/bundle/rootfs/bin/$a"
done
gcc -O2 -static -o "$work/bundle/rootfs/bin/sysloop" "$here/src/sysloop.c"
(cd "$work/bundle" && runc spec)
base=$(jq '.process.terminal = false' "$work/bundle/config.json")
# set_config FILTER ARGS...: process.args, and linux.seccomp from the profile or none
set_config() {
	local filter=$1
	shift
	jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
		--slurpfile p "$profile" --arg f "$filter" \
		'.process.args = $a | if $f == "docker" then .linux.seccomp = $p[0].linux.seccomp
		 else del(.linux.seccomp) end' <<<"$base" >"$work/bundle/config.json"
}
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# one RUNTIME: one container's syscall_ns (the runtime's output is the container's stdout)
one() {
	if [ "$1" = incept ]; then
		"$incept" --root "$iroot" run -b "$work/bundle" sc </dev/null
	else
		runc --root "$rroot" run -b "$work/bundle" sc </dev/null
	fi | tr -d '\r' | sed -n 's/^syscall_ns: //p'
}
measure() { # measure RUNTIME FILTER SYSCALL: the median over n containers
	set_config "$2" /bin/sysloop "$calls" "$3"
	for _ in $(seq "$n"); do
		one "$1"
	done | median
}

# The snapshot is built outside the timed part: every measured container restores.
"$incept" prepare >/dev/null
report=$work/report
{
	for rt in incept runc; do
		for sc in getppid personality; do
			echo "${rt}_${sc}_ns: $(measure "$rt" none "$sc")"
			echo "${rt}_${sc}_seccomp_ns: $(measure "$rt" docker "$sc")"
		done
	done
	# "absent": a kernel built without CONFIG_BPF_JIT (the interpreter runs every filter)
	set_config none sh -c 'cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo absent'
	jit=$("$incept" --root "$iroot" run -b "$work/bundle" sc </dev/null 2>&1 | tr -d '\r')
	# one more container with the filter, logged, for its size
	set_config docker /bin/true
	"$incept" --root "$iroot" --debug --log "$work/debug.log" run -b "$work/bundle" sc \
		</dev/null >/dev/null
	echo "guest_bpf_jit_enable: ${jit:-unknown}"
} >"$report"
for rt in incept runc; do
	for sc in getppid personality; do
		a=$(value "$report" "${rt}_${sc}_ns") b=$(value "$report" "${rt}_${sc}_seccomp_ns")
		echo "${rt}_${sc}_seccomp_cost_ns: $((b - a))" >>"$report"
	done
done
{
	echo "breakdown:"
	for sc in getppid personality; do
		echo "host_${sc}_ns: $("$work/bundle/rootfs/bin/sysloop" "$calls" "$sc" |
			sed -n 's/^syscall_ns: //p')"
	done
	echo "filter_bpf_insns: $(sed -n 's/.*seccomp: \([0-9]*\) BPF instructions.*/\1/p' \
		"$work/debug.log" | tail -n 1)"
	echo "calls_per_container: $calls"
	echo "containers_per_figure: $n"
} >>"$report"
cat "$report"
if [ "$write_results" = 1 ]; then
	bench_record "seccomp.sh -n $n --calls $calls" "$(bench_host_kind)" "$report"
fi
