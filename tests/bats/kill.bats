#!/usr/bin/env bats
# incept kill [--all] ID [SIGNAL]: runc's argument and status rules.

load helpers

setup() {
	incept_setup
}

teardown() {
	incept_teardown
}

@test "kill: unknown container" {
	run --separate-stderr incept kill nope KILL
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="container \"nope\" does not exist"'* ]]
}

@test "kill: signal names and numbers as runc reads them" {
	start_sleeper
	make_state k1 running "$SLEEPER"
	for sig in "" KILL kill SIGKILL sigterm 9 15 WINCH SIGUSR1; do
		run --separate-stderr incept kill k1 $sig
		[ "$status" -eq 1 ]
		[[ "$stderr" == *'msg="the container has no VMM socket (not made by incept create?)"'* ]]
	done
	for sig in BOGUS sigbogus SIGRTMIN 0x9; do
		run --separate-stderr incept kill k1 "$sig"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"msg=\"unknown signal \\\"$sig\\\"\""* ]]
	done
	kill -0 "$SLEEPER" # nothing was signalled
}

@test "kill: a stopped container is not running, unless --all" {
	make_state s1 running "$(dead_pid)" 3
	run --separate-stderr incept kill s1 KILL
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="container not running"'* ]]
	run --separate-stderr incept kill --all s1 KILL
	[ "$status" -eq 0 ]
	run --separate-stderr incept kill -a s1
	[ "$status" -eq 0 ]
}

# fake_vmm ID: a stand-in VMM socket for container ID (recorded in its state.json) that answers
# every first line with OK and appends it to $BATS_TEST_TMPDIR/vmm.lines.
fake_vmm() {
	local sock=$ROOT/$1/vmm.sock
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True:
    c, _ = s.accept(); line = c.makefile("rb").readline()
    open(sys.argv[2], "ab").write(line); c.sendall(b"OK\n"); c.close()
' "$sock" "$BATS_TEST_TMPDIR/vmm.lines" 3>&- &
	SLEEPERS+=("$!") # killed at teardown
	jq --arg s "$sock" '.vmmSocket = $s' "$ROOT/$1/state.json" >"$ROOT/$1/s.json"
	mv "$ROOT/$1/s.json" "$ROOT/$1/state.json"
	while [ ! -S "$sock" ]; do sleep 0.05; done
}

@test "kill: a paused container's signal goes to its VMM to hold until resume (runc's freezer)" {
	start_sleeper
	make_state p1 paused "$SLEEPER"
	fake_vmm p1
	run --separate-stderr incept kill p1 TERM
	[ "$status" -eq 0 ]
	run --separate-stderr incept kill --all p1 SIGUSR1
	[ "$status" -eq 0 ]
	run --separate-stderr incept kill p1 0
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="invalid argument"'* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/vmm.lines")" = "$(printf 'SIGNAL 15\nSIGNAL 10 all')" ]
	[ "$(jq -r .status "$ROOT/p1/state.json")" = paused ]
	kill -0 "$SLEEPER" # SIGKILL alone kills the VMM (pid) itself
}

@test "kill: argument counts and flags" {
	run --separate-stderr incept kill
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'"kill\" requires a minimum of 1 argument(s)'* ]]
	run --separate-stderr incept kill a 1 2
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'"kill\" requires a maximum of 2 argument(s)'* ]]
	run --separate-stderr incept kill --bogus a
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -bogus" ]
}
