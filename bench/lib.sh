# shellcheck shell=bash
# Shared by the benchmarks: `here=$(cd "$(dirname "$0")" && pwd); . "$here/lib.sh"`.
# Sets root, bin (host binaries) and art (guest artefacts); INCEPT_BIN / INCEPT_ARTIFACTS
# point them elsewhere.

root=$(cd "$here/.." && pwd)
bin=${INCEPT_BIN:-$root/build}
art=${INCEPT_ARTIFACTS:-$root/build}

# bench_need FILE...: /dev/kvm and every FILE must exist, else one line and exit 1.
bench_need() {
	local me
	me=$(basename "$0")
	[ -c /dev/kvm ] || { echo "$me: no /dev/kvm" >&2; exit 1; }
	for f in "$@"; do
		[ -e "$f" ] || { echo "$me: $f missing (run make)" >&2; exit 1; }
	done
}

# value FILE NAME: the value of the last `name: value` line (console lines end in \r\n).
# The kind of /dev/kvm: pvm (software nested KVM, module kvm_pvm) or kvm (VT-x/AMD-V).
# /sys/module, not /proc/modules: a container host may show no /proc/modules at all.
bench_host_kind() { [ -d /sys/module/kvm_pvm ] && echo pvm || echo kvm; }

value() { tr -d '\r' <"$1" | sed -n "s/^$2: *//p" | tail -n 1; }

# bench_record NAME HOST_KIND REPORT: appends REPORT as a dated section of bench/RESULTS.md.
bench_record() {
	{
		echo
		echo "## $1 ($(date -u +%Y-%m-%d), $2, $(nproc) host CPUs)"
		echo
		echo '```'
		cat "$3"
		echo '```'
	} >>"$here/RESULTS.md"
	echo "appended to bench/RESULTS.md" >&2
}
