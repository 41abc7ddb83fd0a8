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
