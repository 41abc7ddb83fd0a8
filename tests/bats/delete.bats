#!/usr/bin/env bats
# incept delete [--force] ID

load helpers

setup() {
	incept_setup
}

teardown() {
	incept_teardown
}

alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status"
}

@test "delete: unknown id fails, --force on an unknown id succeeds (as runc)" {
	run --separate-stderr incept delete nope
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="container \"nope\" does not exist"'* ]]
	run --separate-stderr incept delete --force nope
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run incept delete nope -f
	[ "$status" -eq 0 ]
}

@test "delete: a stopped container's directory is removed" {
	make_state gone running "$(dead_pid)" 4242
	echo data >"$ROOT/gone/vmm.log"
	run --separate-stderr incept delete gone
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/gone" ]
	run --separate-stderr incept state gone
	[ "$status" -eq 1 ]
}

@test "delete: a running or paused container needs --force" {
	start_sleeper
	make_state busy running "$SLEEPER"
	run --separate-stderr incept delete busy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="cannot delete container busy that is not stopped: running"'* ]]
	[ -e "$ROOT/busy/state.json" ]
	alive "$SLEEPER"
	make_state busy paused "$SLEEPER"
	run --separate-stderr incept delete busy
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'that is not stopped: paused"'* ]]
	alive "$SLEEPER"
}

@test "delete --force kills the VMM and removes the directory" {
	start_unreaped # a zombie must count as gone: the shim, not us, reaps the VMM
	make_state victim running "$ORPHAN"
	run --separate-stderr incept delete --force victim
	[ "$status" -eq 0 ]
	! alive "$ORPHAN" || false
	[ ! -e "$ROOT/victim" ]
}

@test "delete of a created container kills it without --force (as runc)" {
	start_sleeper
	make_state fresh created "$SLEEPER"
	run --separate-stderr incept delete fresh
	[ "$status" -eq 0 ]
	sleep 0.1
	! alive "$SLEEPER" || false
	[ ! -e "$ROOT/fresh" ]
}

@test "delete never signals a pid whose start time does not match" {
	start_sleeper
	make_state reused created "$SLEEPER" "$(($(pid_start "$SLEEPER") + 7))"
	run --separate-stderr incept delete --force reused
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/reused" ]
	alive "$SLEEPER"
}

@test "delete: a leftover directory without state.json is removed, and still an error" {
	mkdir -p "$ROOT/leftover"
	run --separate-stderr incept delete leftover
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'container \"leftover\" does not exist'* ]]
	[ ! -e "$ROOT/leftover" ]
	mkdir -p "$ROOT/leftover2"
	run incept delete -f leftover2
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/leftover2" ]
}

@test "delete: invalid ids never touch anything outside the root" {
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	make_state keep stopped 0
	for id in ../outside .. . 'keep/..' '../root'; do
		run --separate-stderr incept delete -f "$id"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *'invalid container ID format'* ]]
	done
	[ -d "$BATS_TEST_TMPDIR/outside" ]
	[ -e "$ROOT/keep/state.json" ]
}

@test "delete: two deletes of one container at once: one succeeds, one finds it gone" {
	make_state twice stopped 0
	# Hold the container lock so both deletes queue behind it, then let go.
	(
		flock "$ROOT/twice" -c 'sleep 0.5' 3>&- &
		sleep 0.1
		"$INCEPT" --root "$ROOT" delete twice 2>/dev/null 3>&- &
		"$INCEPT" --root "$ROOT" delete twice 2>/dev/null 3>&- &
		ok=0
		for p in $(jobs -p); do
			wait "$p" && ok=$((ok + 1))
		done
		echo "$ok" >"$BATS_TEST_TMPDIR/ok"
	)
	# flock's own success counts once; exactly one delete must have succeeded.
	[ "$(cat "$BATS_TEST_TMPDIR/ok")" -eq 2 ]
	[ ! -e "$ROOT/twice" ]
}

@test "delete: argument checks" {
	run --separate-stderr incept delete
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage." ]
	[[ "$stderr" == *'"delete\" requires exactly 1 argument(s)'* ]]
	run --separate-stderr incept delete a b --force
	[ "$status" -eq 1 ]
	run --separate-stderr incept delete --force=maybe x
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'invalid boolean value \"maybe\" for -force: parse error'* ]]
}
