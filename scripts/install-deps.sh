#!/usr/bin/env bash
# Install everything incept needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	exec sudo -E "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive

pkgs=(
	# toolchain
	gcc clang make pkg-config musl-tools libclang-rt-14-dev clang-format clang-tidy cppcheck
	# libraries (headers)
	libjson-c-dev libseccomp-dev libcap-dev linux-libc-dev
	# guest kernel: source and build tools
	linux-source-6.12 bc bison flex libelf-dev libssl-dev cpio xz-utils kmod
	# tests and reference runtimes
	bats jq busybox-static containerd runc util-linux iproute2 e2fsprogs attr
	hyperfine strace python3
	# --systemd-cgroup's test: a private bus and a stand-in systemd (tests/bats/fake_systemd.py)
	dbus-daemon python3-dbus python3-gi
)
# Without /dev/kvm (e.g. a PVM guest whose kvm_pvm will not bind) the VM tests run in an
# emulated AMD-V machine (tests/tcg-host/run.sh): QEMU and a Debian kernel with kvm_amd.
if [ ! -c /dev/kvm ]; then
	pkgs+=(qemu-system-x86 linux-image-amd64)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
