#!/usr/bin/env bats
# virtio-fs inside a guest (issue 6): a guest restored from a snapshot mounts the tag "incept"
# and runs the agent's conformance test (agent/fstest.c) over a read-write and a read-only
# share; the host then checks what the guest left behind, that a file outside the shares never
# reached the guest, and that the read-only share did not change.
# Needs /dev/kvm, build/vmlinux and build/initrd.cpio; without them the tests skip and say why.
# One guest run takes a few minutes on a PVM host (every guest-kernel instruction is emulated).

load vm_helpers

setup_file() {
	vm_setup_file
	export RW="$BATS_FILE_TMPDIR/rw" RO="$BATS_FILE_TMPDIR/ro" OUTSIDE="$BATS_FILE_TMPDIR/outside"
	# A marker no guest may ever read: it lives outside every share. Set once, here: the
	# top level of this file runs again in every test's process.
	export SECRET="incept-secret-$$-$RANDOM-never-in-the-guest"
	[ "$CAN_BOOT" = 1 ] || return 0
	mkdir -p "$RW" "$WORK/rw-cold" "$RO/sub" "$OUTSIDE"
	echo "$SECRET" >"$OUTSIDE/secret"
	for d in "$RW" "$WORK/rw-cold"; do
		ln -s "$OUTSIDE/secret" "$d/secret_abs"
		ln -s ../outside/secret "$d/secret_rel"
	done
	echo "hello from the host" >"$RO/hello"
	echo "below" >"$RO/sub/file"
	chmod 0640 "$RO/hello"
	ro_state >"$WORK/ro.before"
	# The cold path: boots, saves the snapshot at the agent's READY (no shares in it), goes on
	# with the test; then a guest restored from that snapshot runs it again with its own shares.
	vmm cold --agent-task fs-test --share "rw=$WORK/rw-cold" --share "ro=$RO:ro"
	vmm fstest --agent-task fs-test --share "rw=$RW" --share "ro=$RO:ro"
}

# vmm NAME FLAGS...: one VMM run against $SNAPS; status, log and console kept under $WORK.
vmm() {
	local name=$1
	shift
	set +e
	timeout 900 "$VMM" --kernel "$KERNEL" --initrd "$INITRD" --snapshot-dir "$SNAPS" \
		--debug --console-log "$WORK/$name.console" "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.log"
	echo $? >"$WORK/$name.status"
	set -e
}

# Everything about the ro tree a write could change: names, types, modes, owners, sizes,
# times, link targets, contents.
ro_state() {
	(cd "$RO" && find . -printf '%p %y %m %U:%G %s %T@ %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}

console() {
	tr -d '\r' <"$WORK/$1.console"
}

@test "fs: a restored guest passes the file system test over a rw and a ro share" {
	need_boot
	console fstest | grep -E '^(fstest|fsbench)' || true
	[ "$(cat "$WORK/fstest.status")" = 0 ]
	grep -q 'agent ready (restored from a snapshot)' "$WORK/fstest.log"
	console fstest | grep -qx 'fstest: ok'
	! console fstest | grep -q '^fstest_.*FAILED' || false
	# every case ran
	for name in root file_io rename dir link symlink xattr attr sparse unlink_open \
		confine_dotdot confine_symlink readonly; do
		console fstest | grep -qx "fstest_$name: ok"
	done
	console fstest | grep -q '^fstest_total_ms: [0-9]'
	# unmounted at the end: DESTROY released every inode and handle of the session
	console fstest | grep -qx 'fs_umount: ok'
	grep 'virtio-fs: served' "$WORK/fstest.log"
	grep -q 'virtio-fs: served [0-9]* requests .*; 0 inodes and 0 handles open' "$WORK/fstest.log"
}

@test "fs: a cold-booted guest (which saves the snapshot) passes it too" {
	need_boot
	console cold | grep -E '^fstest' || true
	[ "$(cat "$WORK/cold.status")" = 0 ]
	grep -q 'booting to build it' "$WORK/cold.log"
	grep -q 'saved in' "$WORK/cold.log"
	console cold | grep -qx 'fstest: ok'
	[ "$(cat "$WORK/rw-cold/guest/file")" = "written by the guest" ]
}

@test "fs: files the guest created are on the host with their content, owner and mode" {
	need_boot
	[ "$(cat "$RW/guest/file")" = "written by the guest" ]
	[ "$(stat -c '%a %u:%g %Y' "$RW/guest/file")" = "640 1000:1001 1234567890" ]
	[ "$(readlink "$RW/guest/sym")" = file ]
	[ "$(stat -c '%u:%g' "$RW/guest/sym")" = "1002:1003" ]
	[ "$(find "$RW/big" -mindepth 1 -type f | wc -l)" = 1000 ]
	[ -f "$RW/big/e0" ] && [ -f "$RW/big/e999" ]
	# temporary files of the test and the benchmark are gone
	[ ! -e "$RW/io" ] && [ ! -e "$RW/sparse" ] && [ ! -e "$RW/fsbench" ]
}

@test "fs: a host file outside the shares never reaches the guest" {
	need_boot
	console fstest | grep -qx 'fstest_confine_symlink: ok'
	[ -n "$SECRET" ] && [ "$(cat "$OUTSIDE/secret")" = "$SECRET" ]
	! grep -q "$SECRET" "$WORK/fstest.console" "$WORK/cold.console" || false
	! grep -q "$SECRET" "$WORK/fstest.log" "$WORK/cold.log" || false
}

@test "fs: the guest's writes to the ro share left the host directory unchanged" {
	need_boot
	console fstest | grep -qx 'fstest_readonly: ok'
	ro_state >"$WORK/ro.after"
	diff "$WORK/ro.before" "$WORK/ro.after"
}


@test "fs: --share usage errors" {
	run "$VMM" --kernel /nonexistent --share foo
	[ "$status" -eq 2 ]
	[[ "$output" == *"want NAME=PATH"* ]]
	run "$VMM" --kernel /nonexistent --agent-task fs-test --share =/tmp
	[ "$status" -eq 2 ]
	need_boot
	vmm badshare --agent-task poweroff --share "x=$WORK/does-not-exist"
	[ "$(cat "$WORK/badshare.status")" = 1 ]
	grep -q 'share x' "$WORK/badshare.log"
	vmm badname --agent-task poweroff --share "a/b=$RW"
	[ "$(cat "$WORK/badname.status")" = 1 ]
}
