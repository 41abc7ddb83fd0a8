#!/usr/bin/env bash
# tests/tcg-host/run.sh [--cpus N] [--memory MIB] [--timeout SECS] [--] CMD [ARGS...]
# tests/tcg-host/run.sh --check      exit 0 if it can run here, else say why and exit 1
#
# Runs CMD in an emulated AMD-V machine, so that the VM tests run on a host without /dev/kvm
# (this project's CI machines are themselves PVM guests whose kvm_pvm refuses to bind). QEMU
# emulates an x86 CPU with SVM (TCG, `-cpu max`); it boots Debian's own kernel
# (linux-image-amd64, whose kvm_amd gives /dev/kvm) with this machine's root directory as its
# root file system over virtio-9p, so CMD sees the same files, programs and repository, from the
# same working directory and with the same environment. CMD's stdout and stderr come out here;
# its exit status is this script's. Nothing of the emulated machine survives it: it is powered
# off when CMD ends, and every mount it made (/proc, /sys, /dev, /tmp, /run, cgroups) was its own.
#
# One vCPU by default: with two in one TCG thread (thread=single) every wake-up across them
# waits for QEMU's round-robin slice (the virtio-fs conformance test: > 240 s instead of 4 s);
# with a thread per vCPU (MTTCG) a guest kernel died of an int3 Oops in its own code patching.
#
# Speed: everything in the emulated machine runs under TCG (a binary translator): host programs
# several times slower than natively, but the guest kernel is not emulated instruction by
# instruction as on PVM. Timings taken here are not benchmarks of any real host.
#
# Files: the initramfs (busybox + the 9p modules) is built once per kernel into
# ${INCEPT_CACHE:-/var/cache/incept}/tcg-host/; each run has a directory under /var/tmp
# (not /tmp: the emulated machine mounts its own disk there) holding the command, that disk's
# sparse image, the console log (kept and named on failure) and the exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cpus=1 memory=8192 timeout=3600 check=0
fail=125 # --check: 1

die() { printf 'tcg-host: %s\n' "$*" >&2; exit "$fail"; }
usage() { echo "usage: $0 [--cpus N] [--memory MIB] [--timeout SECS] [--] CMD [ARGS...]" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=${2:?}; shift 2 ;;
	--memory) memory=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--check) check=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || [ $check = 1 ] || usage
[ $check = 0 ] || fail=1
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (make deps installs qemu-system-x86)"

# The newest Debian kernel that has kvm_amd and 9p as modules.
find_kernel() {
	local v
	for v in $(ls /lib/modules 2>/dev/null | sort -V -r); do
		[ -f "/boot/vmlinuz-$v" ] || continue
		[ -f "/lib/modules/$v/kernel/arch/x86/kvm/kvm-amd.ko" ] || continue
		[ -f "/lib/modules/$v/kernel/fs/9p/9p.ko" ] || continue
		echo "$v"
		return
	done
	return 1
}
kver=${INCEPT_TCG_KERNEL:-$(find_kernel)} ||
	die "no kernel with kvm_amd and 9p in /boot and /lib/modules (make deps installs linux-image-amd64)"
[ $check = 0 ] || exit 0

cache=${INCEPT_CACHE:-/var/cache/incept}/tcg-host
mkdir -p "$cache"

# initramfs: busybox, the modules that mount the root (in modprobe's order) and init-stage1.
make_initramfs() {
	local out=$1 stage m
	stage=$(mktemp -d "$cache/stage.XXXXXX")
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/root" "$stage/modules"
	cp /bin/busybox "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	: >"$stage/modules/order"
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r m; do
		cp "$m" "$stage/modules/"
		echo "${m##*/}" >>"$stage/modules/order"
	done
	cp "$here/init-stage1" "$stage/init"
	chmod 0755 "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out.tmp.$$"
	mv -f "$out.tmp.$$" "$out"
	rm -rf "$stage"
}
key=$( { echo "$kver"; sha256sum "$here/init-stage1" /bin/busybox; } | sha256sum | cut -c1-16)
initrd=$cache/initrd-$kver-$key.cpio
[ -f "$initrd" ] || make_initramfs "$initrd"

work=$(mktemp -d /var/tmp/incept-tcg.XXXXXX)
trap 'rm -rf "$work"' EXIT # kept only when the machine died without an exit status
# The command, from this directory, with this environment (less what the new shell sets).
{
	export -p | grep -v -E '^declare -x (PWD|OLDPWD|SHLVL|_)(=|$)'
	printf 'cd %q || exit 126\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$work/cmd"

# /tmp of the emulated machine: ext4 on a sparse disk image, as a host's /tmp usually is
# (tmpfs lacks user xattrs and SEEK_DATA that the file system tests check; 9p lacks more).
truncate -s 64G "$work/tmp.img"
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$work/tmp.img"

# A working directory under /tmp (a clone there, say) must stay visible over the new /tmp.
keep=
case $PWD in
/tmp/?*) rel=${PWD#/tmp/} && keep=/tmp/${rel%%/*} ;;
esac

rc=0
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-machine q35 -accel tcg,thread=single,tb-size=512 -cpu max -smp "$cpus" -m "$memory" \
	-display none -vga none -nic none -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=4 panic=-1 incept_tcg_work=$work incept_tcg_init=$here/init${keep:+ incept_tcg_keep=$keep}" \
	-fsdev local,id=root,path=/,security_model=passthrough,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
	-drive "file=$work/tmp.img,if=virtio,format=raw,cache=unsafe,discard=unmap" \
	-serial "file:$work/console" -serial stdio </dev/null || rc=$?

if [ -f "$work/rc" ]; then
	exit "$(cat "$work/rc")"
fi
rm -f "$work/tmp.img"
trap - EXIT
echo "tcg-host: the emulated machine stopped without CMD's exit status (qemu exit $rc); console: $work/console" >&2
tail -n 30 "$work/console" >&2 || true
exit 125
