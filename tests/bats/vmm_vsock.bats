#!/usr/bin/env bats
# virtio-vsock end to end (issue 8, host <-> guest channel): a guest restored from a snapshot
# runs the agent's vsock echo (--agent-task vsock-echo); host clients reach it through the
# VMM's --vsock-socket with "CONNECT 1024", and the guest connects to the host's port 1025,
# which the VMM maps to the Unix socket <socket>_1025. Client side: tests/bats/vsock_client.py.
# Needs /dev/kvm, build/vmlinux and build/initrd.cpio; without them the tests skip and say why.

load vm_helpers
CLIENT="python3 $BATS_TEST_DIRNAME/vsock_client.py"

setup_file() {
	vm_setup_file
	[ "$CAN_BOOT" = 1 ] || return 0
	# Short: a Unix socket path is at most 107 bytes, and the VMM appends _<port>.
	export SOCKDIR=$(mktemp -d /tmp/incept-vsock.XXXXXX)
	export SOCK="$SOCKDIR/vmm.sock"
	timeout 300 "$VMM" --kernel "$KERNEL" --initrd "$INITRD" --snapshot-dir "$SNAPS" \
		--snapshot-only >"$WORK/build.log" 2>&1
	# The guest's hello lands here; the listener removes its socket once connected.
	$CLIENT listen "${SOCK}_1025" "$WORK/hello" 3>&- &
	echo $! >"$WORK/listener.pid"
	for _ in $(seq 50); do [ -S "${SOCK}_1025" ] && break; sleep 0.1; done
	# Runs until the last test stops it; the subshell keeps its exit status.
	(
		"$VMM" --kernel "$KERNEL" --initrd "$INITRD" --snapshot-dir "$SNAPS" \
			--agent-task vsock-echo --vsock-socket "$SOCK" --debug \
			--console-log "$WORK/vmm.console" >"$WORK/vmm.log" 2>&1 &
		echo $! >"$WORK/vmm.pid"
		rc=0
		wait $! || rc=$? # set -e holds in here too
		echo $rc >"$WORK/vmm.status"
	) 3>&- &
	for _ in $(seq 50); do [ -s "$WORK/vmm.pid" ] && break; sleep 0.1; done
	$CLIENT wait "$SOCK" 1024 60 >"$WORK/wait.log" 2>&1 || true
}

teardown_file() {
	[ "$CAN_BOOT" = 1 ] || return 0
	kill "$(cat "$WORK/vmm.pid")" "$(cat "$WORK/listener.pid")" 2>/dev/null || true
	rm -rf "$SOCKDIR"
}

@test "vsock: the restored guest's echo port answers CONNECT with OK" {
	need_boot
	cat "$WORK/wait.log"
	grep -q 'answers' "$WORK/wait.log"
	grep -q 'restored from a snapshot' "$WORK/vmm.log"
}

@test "vsock: one echo round trip" {
	need_boot
	run $CLIENT echo "$SOCK" 1024 5
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok 1 x 5 bytes"* ]]
}

@test "vsock: 1 MiB through one connection comes back byte-exact (flow control)" {
	need_boot
	run timeout 120 $CLIENT echo "$SOCK" 1024 1048576
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok 1 x 1048576 bytes"* ]]
}

@test "vsock: 8 concurrent connections each get their own bytes back" {
	need_boot
	run timeout 120 $CLIENT echo "$SOCK" 1024 65536 8
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok 8 x 65536 bytes"* ]]
}

@test "vsock: half-close: the client shuts down its write side and still reads the echo" {
	need_boot
	run timeout 60 $CLIENT halfclose "$SOCK" 1024
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "vsock: a guest port nobody listens on is closed without OK" {
	need_boot
	run timeout 30 $CLIENT refused "$SOCK" 4321
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "closed without OK"* ]]
}

@test "vsock: a first line other than CONNECT is refused" {
	need_boot
	run timeout 30 $CLIENT line "$SOCK" "HELLO 1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *closed* ]]
}

@test "vsock: the guest's connection to host port 1025 arrives on <socket>_1025" {
	need_boot
	for _ in $(seq 50); do [ -s "$WORK/hello" ] && break; sleep 0.1; done
	cat "$WORK/hello"
	[ "$(cat "$WORK/hello")" = "hello from the guest" ]
}

@test "vsock: SIGTERM ends the VMM (143) and it leaves no socket file behind" {
	need_boot
	pid=$(cat "$WORK/vmm.pid")
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null || false
	for _ in $(seq 50); do [ -s "$WORK/vmm.status" ] && break; sleep 0.1; done
	cat "$WORK/vmm.log"
	[ "$(cat "$WORK/vmm.status")" = 143 ]
	grep -q 'signal 15: stopping the VM' "$WORK/vmm.log"
	ls -la "$SOCKDIR"
	[ -z "$(ls -A "$SOCKDIR")" ]
	# The guest behaved: nothing was reset or dropped for a protocol error.
	! grep 'virtio-vsock' "$WORK/vmm.log" | grep -q 'level=warning'
}
