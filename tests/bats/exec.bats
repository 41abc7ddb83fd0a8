#!/usr/bin/env bats
# incept exec: runc's flags and checks, "exec failed: ..." and exit status 255 as runc.

load helpers

setup() {
	incept_setup
	start_sleeper
	make_state run1 running "$SLEEPER"
}

teardown() {
	incept_teardown
}

@test "exec: unknown container is exit 255 with runc's prefix" {
	run --separate-stderr incept exec nope ls
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: container \"nope\" does not exist"'* ]]
}

@test "exec: usage mistakes are exit 1, as runc" {
	run --separate-stderr incept exec
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'"exec\" requires a minimum of 1 argument(s)'* ]]
	run --separate-stderr incept exec --bogus run1 ls
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -bogus" ]
	run --separate-stderr incept exec -g abc run1 ls
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'invalid value \"abc\" for flag -g: strconv.ParseInt: parsing \"abc\": invalid syntax'* ]]
}

@test "exec: a command is needed unless --process is given" {
	run --separate-stderr incept exec run1
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: process args cannot be empty"'* ]]
}

@test "exec: a command line gets as far as the VMM" {
	run --separate-stderr incept exec --cwd / -e A=1 --env B=2 -u 0:0 -g 5 --cap CAP_KILL \
		--no-new-privs --preserve-fds 0 --pid-file "$BATS_TEST_TMPDIR/p" -d run1 ls -l
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: exec: not implemented yet (needs the VMM)"'* ]]
	[ ! -e "$BATS_TEST_TMPDIR/p" ]
}

@test "exec: what follows the id is the command, flags included (no reordering)" {
	run --separate-stderr incept exec run1 ls --bogus -d
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'not implemented yet'* ]]
}

@test "exec: --process is parsed and validated" {
	run --separate-stderr incept exec -p "$BATS_TEST_TMPDIR/none.json" run1
	[ "$status" -eq 255 ]
	[[ "$stderr" == *"msg=\"exec failed: open $BATS_TEST_TMPDIR/none.json: no such file or directory\""* ]]
	echo '{"args": [], "cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr incept exec --process "$BATS_TEST_TMPDIR/p.json" run1
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'exec failed: process.json: args: must be a non-empty array of strings'* ]]
	echo '{"args": ["ls"], "cwd": "/", "user": {"uid": 0, "gid": 0}}' >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr incept exec --process "$BATS_TEST_TMPDIR/p.json" run1
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'exec failed: exec: not implemented yet'* ]]
}

@test "exec: tty and console socket must agree" {
	run --separate-stderr incept exec -t -d run1 sh
	[[ "$stderr" == *'exec failed: cannot allocate tty if incept will detach without setting console socket'* ]]
	run --separate-stderr incept exec --console-socket /x run1 sh
	[[ "$stderr" == *'cannot use console socket if incept will not detach or allocate tty'* ]]
	run --separate-stderr incept exec -t -d --console-socket /x run1 sh
	[[ "$stderr" == *'not implemented yet'* ]]
}

@test "exec: not into a stopped container; into a paused one only with --ignore-paused" {
	make_state dead running "$(dead_pid)" 5
	run --separate-stderr incept exec dead ls
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: cannot exec in a stopped container"'* ]]
	make_state zz paused "$SLEEPER"
	run --separate-stderr incept exec zz ls
	[[ "$stderr" == *'cannot exec in a paused container (use --ignore-paused to override)'* ]]
	run --separate-stderr incept exec --ignore-paused zz ls
	[[ "$stderr" == *'not implemented yet'* ]]
}
