#!/usr/bin/env bats
# incept-vmm boots real microVMs: agent ready, the agent's selftest, SMP, memory size, exit
# status, guest panic, and the one-line errors for a missing KVM device or kernel.
# Boots need /dev/kvm, build/vmlinux and build/initrd.cpio (`make`); without them those
# tests skip and say why. On PVM hosts each boot takes ~10-25 s (emulated guest kernel).

load vm_helpers

setup_file() {
	vm_setup_file
	[ "$CAN_BOOT" = 1 ] || return 0
	# Two selftest boots, run once and shared by the tests below.
	boot smp --vcpus 2 --memory 128
	boot up --vcpus 1 --memory 64
}

# boot NAME FLAGS...: a selftest boot; exit status, stderr (log + timing), console kept.
boot() {
	local name=$1
	shift
	set +e
	timeout 300 "$VMM" --kernel "$KERNEL" --initrd "$INITRD" --timing \
		--console-log "$WORK/$name.console" --append "incept.selftest=1" "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
	echo $? >"$WORK/$name.status"
	set -e
}

@test "vmm: agent reports ready and the VMM logs ready_ms" {
	need_boot
	grep -q 'agent ready: ready_ms=' "$WORK/smp.stderr"
	ready=$(value "$WORK/smp.stderr" ready_ms)
	[ -n "$ready" ] && [ "$ready" -gt 0 ]
	[ "$(value "$WORK/smp.stderr" host_kind)" != "" ]
}

@test "vmm: selftest boot passes (fork+exec, syscalls) and exits 0" {
	need_boot
	[ "$(cat "$WORK/smp.status")" = 0 ]
	tr -d '\r' <"$WORK/smp.console" | grep -q '^selftest: ok'
	[ "$(cat "$WORK/up.status")" = 0 ]
	[ -n "$(value "$WORK/smp.console" selftest_fork_exec_wait_ms)" ]
	[ -n "$(value "$WORK/smp.console" selftest_getpid_us)" ]
}

@test "vmm: --vcpus 2 gives the guest 2 CPUs, --vcpus 1 one" {
	need_boot
	[ "$(value "$WORK/smp.console" selftest_nproc)" = 2 ]
	[ "$(value "$WORK/up.console" selftest_nproc)" = 1 ]
}

@test "vmm: guest MemTotal matches --memory" {
	need_boot
	for pair in smp:128 up:64; do
		kib=$(value "$WORK/${pair%%:*}.console" selftest_mem_total_kib)
		want=$((${pair##*:} * 1024))
		echo "MemTotal $kib KiB for $want KiB of RAM"
		[ "$kib" -le "$want" ] && [ "$kib" -ge $((want * 70 / 100)) ]
	done
}

@test "vmm: timing lines and VMM memory beyond guest RAM" {
	need_boot
	for k in kvm_setup_ms kernel_load_ms run_to_ready_ms ready_ms exits_io emulation_fixups; do
		grep -q "^$k: " "$WORK/smp.stderr"
	done
	rss=$(value "$WORK/smp.stderr" vmm_rss_kib)
	echo "vmm_rss_kib=$rss"
	[ "$rss" -gt 0 ] && [ "$rss" -le 5120 ]
}

@test "vmm: virtio-rng is used by the guest" {
	need_boot
	[ "$(value "$WORK/smp.stderr" exits_mmio_rng)" -gt 0 ]
}

@test "vmm: a guest kernel panic exits 1 with the console tail in the error" {
	need_boot
	run timeout 300 "$VMM" --kernel "$KERNEL" --initrd "$INITRD" --append "rdinit=/nonexistent"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the guest kernel panicked"* ]]
	[[ "$output" == *"Kernel panic - not syncing"* ]]
	[[ "$output" == *"last console output"* ]]
}

@test "vmm: a missing KVM device is one clear line and exit 1" {
	[ -f "$KERNEL" ] || skip "build/vmlinux missing (run make)"
	run "$VMM" --kernel "$KERNEL" --kvm-device /nonexistent/kvm
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"open KVM device /nonexistent/kvm: no such file or directory"* ]]
}

@test "vmm: a missing kernel file is one clear line and exit 1" {
	run "$VMM" --kernel /nonexistent/vmlinux
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"kernel /nonexistent/vmlinux: no such file or directory"* ]]
}

@test "vmm: a non-ELF kernel is refused with one line" {
	printf 'MZ not an elf' >"$BATS_TEST_TMPDIR/bzImage"
	run "$VMM" --kernel "$BATS_TEST_TMPDIR/bzImage" --kvm-device /nonexistent/kvm
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	# The device is checked before the image; with a real device the ELF check speaks.
	if [ -c /dev/kvm ]; then
		run "$VMM" --kernel "$BATS_TEST_TMPDIR/bzImage"
		echo "$output"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"not an ELF file"* ]]
	fi
}

@test "vmm: bad flags are one line and exit 2" {
	run "$VMM" --kernel x --vcpus 0
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--vcpus"* ]]
	run "$VMM" --no-such-flag
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	run "$VMM"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--kernel FILE is required"* ]]
	run "$VMM" --kernel x --memory 8
	[ "$status" -eq 2 ]
	run "$VMM" --kernel x --log-format yaml
	[ "$status" -eq 2 ]
}

@test "vmm: the default command line is fast and complete" {
	run "$VMM" --print-cmdline
	[ "$status" -eq 0 ]
	for w in console=ttyS0 quiet reboot=t panic=-1 tsc=reliable no_timer_check; do
		[[ " $output " == *" $w "* ]]
	done
	run "$VMM" --print-cmdline --append "foo=bar"
	[[ "$output" == *" foo=bar" ]]
}
