#!/usr/bin/env bats
# incept exec: runc's flags and checks, "exec failed: ..." and exit status 255 as runc.
# The containers here are state.json fixtures without a VMM: a request that passes every
# check ends at "no VMM socket". vm_exec.bats runs processes in real containers.

load helpers

NOSOCK='the container has no VMM socket (not made by incept create?)'

# fixture ID STATUS PID: a container whose bundle has a busybox rootfs and config.json copy.
fixture() {
	local b=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$b/rootfs/bin"
	cp /bin/busybox "$b/rootfs/bin/ls"
	cp /bin/busybox "$b/rootfs/bin/sh"
	BUNDLE=$b make_state "$@"
	echo '{"ociVersion": "1.1.0", "root": {"path": "rootfs"},
	       "process": {"cwd": "/", "args": ["sh"], "env": ["PATH=/bin"]}}' >"$ROOT/$1/config.json"
}

setup() {
	incept_setup
	start_sleeper
	fixture run1 running "$SLEEPER"
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
	[[ "$stderr" == *"msg=\"exec failed: $NOSOCK\""* ]]
	[ ! -e "$BATS_TEST_TMPDIR/p" ]
}

@test "exec: --preserve-fds above 0 is refused (host fds cannot reach the VM)" {
	run --separate-stderr incept exec --preserve-fds 1 run1 true
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'--preserve-fds 1: host file descriptors cannot be passed into the container'* ]]
}

@test "exec: what follows the id is the command, flags included (no reordering)" {
	run --separate-stderr incept exec run1 ls --bogus -d
	[ "$status" -eq 255 ]
	[[ "$stderr" == *"$NOSOCK"* ]]
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
	[[ "$stderr" == *"exec failed: $NOSOCK"* ]]
}

@test "exec: tty and console socket must agree" {
	run --separate-stderr incept exec -t -d run1 sh
	[[ "$stderr" == *'exec failed: cannot allocate tty if incept will detach without setting console socket'* ]]
	run --separate-stderr incept exec --console-socket /x run1 sh
	[[ "$stderr" == *'cannot use console socket if incept will not detach or allocate tty'* ]]
	run --separate-stderr incept exec -t -d --console-socket /x run1 sh
	[[ "$stderr" == *"$NOSOCK"* ]]
}

@test "exec: not into a stopped container; into a paused one only with --ignore-paused" {
	make_state dead running "$(dead_pid)" 5
	run --separate-stderr incept exec dead ls
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: cannot exec in a stopped container"'* ]]
	fixture zz paused "$SLEEPER"
	run --separate-stderr incept exec zz ls
	[[ "$stderr" == *'cannot exec in a paused container (use --ignore-paused to override)'* ]]
	run --separate-stderr incept exec --ignore-paused zz ls
	[[ "$stderr" == *"$NOSOCK"* ]]
}

@test "exec: the seccomp filter create stored is used, and checked, instead of config.json's" {
	# header (magic, flags 0, 1 instruction) + BPF_RET|BPF_K SECCOMP_RET_ALLOW
	printf 'INCBPF1\n\0\0\0\0\1\0\0\0\6\0\0\0\0\0\377\177' >"$ROOT/run1/seccomp.bpf"
	echo '{"args": ["ls"], "cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
	# with a stored filter, exec -p needs nothing of config.json: no parse, no compile
	mv "$ROOT/run1/config.json" "$BATS_TEST_TMPDIR/config.json"
	run --separate-stderr incept exec -p "$BATS_TEST_TMPDIR/p.json" run1
	[[ "$stderr" == *"exec failed: $NOSOCK"* ]]
	# without one (a container made before create stored it) exec compiles config.json's
	rm "$ROOT/run1/seccomp.bpf"
	run --separate-stderr incept exec -p "$BATS_TEST_TMPDIR/p.json" run1
	[[ "$stderr" == *"exec failed: JSON specification file $ROOT/run1/config.json not found"* ]]
	mv "$BATS_TEST_TMPDIR/config.json" "$ROOT/run1/config.json"
	# what is read back is checked as the protocol's decoder would
	printf 'INCBPF1\n\0\0\0\0\2\0\0\0\6\0\0\0\0\0\377\177' >"$ROOT/run1/seccomp.bpf"
	run --separate-stderr incept exec run1 ls
	[ "$status" -eq 255 ]
	[[ "$stderr" == *"exec failed: $ROOT/run1/seccomp.bpf: 8 bytes of program for 2 instructions"* ]]
}

@test "exec: the command is looked up in the container's rootfs first" {
	run --separate-stderr incept exec run1 nosuch
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'msg="exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH"'* ]]
	# --env PATH=... is the PATH the lookup uses, as in the container
	run --separate-stderr incept exec --env PATH=/nowhere run1 ls
	[[ "$stderr" == *'exec: \"ls\": executable file not found in $PATH'* ]]
	run --separate-stderr incept exec --cwd /bin run1 ./ls
	[[ "$stderr" == *"$NOSOCK"* ]]
	run --separate-stderr incept exec -u abc run1 ls
	[[ "$stderr" == *'invalid user \"abc\" (want <uid>[:<gid>])'* ]]
}
