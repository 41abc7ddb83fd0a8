#!/usr/bin/env bats
# incept run in real microVMs (restored from the suite's snapshot): output, exit codes,
# stdin, signals, --detach, --keep, and that a finished run leaves nothing behind.

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file

@test "run: echo hi is printed, status 0, and nothing is left behind" {
	make_busybox_bundle "$B" echo hi
	run --separate-stderr ic run -b "$B" r1 </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	nothing_left
}

@test "run: the container's exit status is run's (0, 7, a signal's 128+N)" {
	make_busybox_bundle "$B" sh -c 'exit 7'
	run ic run -b "$B" r1 </dev/null
	[ "$status" -eq 7 ]
	make_busybox_bundle "$B" true
	run ic run -b "$B" r1 </dev/null
	[ "$status" -eq 0 ]
	# the init of a pid namespace cannot be killed by its own signals: without one it can
	make_busybox_bundle "$B" sh -c 'kill -TERM $$; sleep 5'
	bundle_set "$B" 'del(.linux.namespaces[] | select(.type == "pid"))'
	run ic run -b "$B" r1 </dev/null
	[ "$status" -eq 143 ]
	nothing_left
}

@test "run: incept kill KILL of a foreground run ends it with 137" {
	make_busybox_bundle "$B" sleep 100
	ic run -b "$B" r1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local runner=$! i
	for i in $(seq 300); do
		ic state r1 2>/dev/null | grep -q '"status": "running"' && break
		sleep 0.1
	done
	ic kill r1 KILL
	local rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
	nothing_left
}

@test "run: SIGTERM to the foreground run is passed to the container (a trap sees it)" {
	make_busybox_bundle "$B" sh -c 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.2; done'
	# incept itself in the background (not a subshell running it), so the TERM reaches it
	"$INCEPT" --root "$CROOT" run -b "$B" r1 </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local runner=$! i rc=0
	for i in $(seq 300); do
		grep -q ready "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	kill -TERM "$runner"
	wait "$runner" || rc=$?
	[ "$rc" -eq 42 ]
	grep -q got-term "$BATS_TEST_TMPDIR/out"
}

@test "run: stdin is piped through; output is never lost, stdout and stderr apart" {
	make_busybox_bundle "$B" sh -c 'tr a-z A-Z; echo to-stderr >&2'
	run --separate-stderr ic run -b "$B" r1 < <(printf 'abc\ndef\n')
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'ABC\nDEF')" ]
	[ "$stderr" = to-stderr ]
	make_busybox_bundle "$B" seq 1 20000
	run ic run -b "$B" r1 </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 20000 ]
	[ "${lines[19999]}" = 20000 ]
	# 1 MiB in, counted inside
	make_busybox_bundle "$B" wc -c
	run ic run -b "$B" r1 < <(head -c 1048576 /dev/zero)
	[ "$(echo "$output" | tr -d ' ')" = 1048576 ]
}

@test "run --detach: returns once running; --keep keeps a finished container" {
	make_busybox_bundle "$B" sleep 100
	# the VMM keeps run's stdout: a file, so that nothing waits for it to close
	ic run -d -b "$B" --pid-file "$BATS_TEST_TMPDIR/pid" r1 </dev/null >"$BATS_TEST_TMPDIR/out"
	ic state r1 | grep -q '"status": "running"'
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(ic state r1 | jq .pid)" ]
	ic kill r1 KILL
	wait_stopped r1
	ic delete r1
	make_busybox_bundle "$B" true
	run ic run --keep -b "$B" r2 </dev/null
	[ "$status" -eq 0 ]
	ic state r2 | grep -q '"status": "stopped"'
	ic delete r2
	nothing_left
}

@test "run: errors from the guest are runc-style and leave nothing behind" {
	make_busybox_bundle "$B" true
	bundle_set "$B" '.process.cwd = "/nonexistent"'
	run --separate-stderr ic run -b "$B" r1 </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'incept run failed: '*'/nonexistent'* ]]
	nothing_left
}

@test "run: an execve that fails after the start (run starts at once) fails run, nothing left" {
	make_busybox_bundle "$B" /bin/bad
	printf '\0\1not a program' >"$B/rootfs/bin/bad"
	chmod 755 "$B/rootfs/bin/bad"
	run --separate-stderr ic run -b "$B" r1 </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'incept run failed: '*'/bin/bad'*'exec format error'* ]]
	nothing_left
}

@test "run: io.incept annotations shape the VM; snapshot=false cold-boots" {
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" '.annotations = {"io.incept.snapshot": "false", "io.incept.memory_mib": "160"}'
	ic run -d -b "$B" r1 </dev/null >/dev/null 2>&1
	local pid
	pid=$(ic state r1 | jq .pid)
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '--memory 160 '
	! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '--snapshot-dir'
	ic delete -f r1
	nothing_left
}

@test "run: terminal without --console-socket uses the caller's tty, mode restored after" {
	make_busybox_bundle "$B" sh -c 'test -t 0 && test -t 1 && echo run-tty; stty size'
	bundle_set "$B" '.process.terminal = true'
	# script(1) gives incept a pty of 20x70; stty -g before and after must agree
	run script -qec "stty rows 20 cols 70; stty -g; $INCEPT --root $CROOT run -b $B r1; echo rc=\$?; stty -g" /dev/null
	[[ "$output" == *run-tty* ]]
	[[ "$output" == *"20 70"* ]]
	[[ "$output" == *rc=0* ]]
	local modes
	modes=$(echo "$output" | tr -d '\r' | grep -E '^[0-9a-f]+(:[0-9a-f]+)+$')
	[ "$(echo "$modes" | wc -l)" -eq 2 ]
	[ "$(echo "$modes" | sort -u | wc -l)" -eq 1 ]
	nothing_left
}

@test "run: two containers restored at once from one snapshot read different random bytes" {
	make_busybox_bundle "$B" sh -c 'head -c 32 /dev/urandom | od -An -tx1'
	ic run -b "$B" rnd1 </dev/null >"$BATS_TEST_TMPDIR/a" &
	ic run -b "$B" rnd2 </dev/null >"$BATS_TEST_TMPDIR/b"
	wait
	echo "a: $(cat "$BATS_TEST_TMPDIR/a")"
	echo "b: $(cat "$BATS_TEST_TMPDIR/b")"
	[ -s "$BATS_TEST_TMPDIR/a" ] && [ -s "$BATS_TEST_TMPDIR/b" ]
	! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	nothing_left
}
