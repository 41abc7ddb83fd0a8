# Shared by the bats files that boot microVMs: `load vm_helpers`, then `vm_setup_file` in
# setup_file and `need_boot` at the top of each test that boots. Without /dev/kvm or the
# guest artefacts those tests skip and say why.

BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}
ART=${INCEPT_ARTIFACTS:-$BATS_TEST_DIRNAME/../../build}

# Exports VMM, KERNEL, INITRD, WORK, SNAPS (a fresh snapshot directory: the cold path runs
# in every file that uses it), and CAN_BOOT / WHY.
vm_setup_file() {
	export VMM="$BIN/incept-vmm" KERNEL="$ART/vmlinux" INITRD="$ART/initrd.cpio"
	export WORK="$BATS_FILE_TMPDIR" SNAPS="$BATS_FILE_TMPDIR/snaps"
	export CAN_BOOT=1 WHY=""
	if [ ! -c /dev/kvm ]; then
		CAN_BOOT=0 WHY="no /dev/kvm on this host"
	elif [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
		CAN_BOOT=0 WHY="build/vmlinux or build/initrd.cpio missing (run make)"
	fi
}

need_boot() {
	[ "$CAN_BOOT" = 1 ] || skip "$WHY"
}

# value FILE NAME: the value of the last `name: value` line (console lines end in \r\n).
value() {
	tr -d '\r' <"$1" | sed -n "s/^$2: *//p" | tail -n 1
}
