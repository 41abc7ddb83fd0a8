#!/usr/bin/env bats
# incept state ID

load helpers

setup() {
	incept_setup
}

teardown() {
	incept_teardown
}

@test "state: unknown container" {
	run --separate-stderr incept state nope
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *'msg="container \"nope\" does not exist"'* ]]
}

@test "state: invalid ids are refused with runc's messages" {
	for id in a/b . .. 'a b' '../x' 'a,b'; do
		run --separate-stderr incept state "$id"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *'msg="invalid container ID format"'* ]]
	done
	run --separate-stderr incept state ''
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="container id cannot be empty"'* ]]
}

@test "state: needs exactly one argument" {
	run --separate-stderr incept state
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "Incorrect Usage." ]]
	[[ "$output" == *"USAGE:"*"incept state <container-id>"* ]]
	[[ "$stderr" == *'msg="incept: \"state\" requires exactly 1 argument(s)"'* ]]
	run --separate-stderr incept state a b
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'requires exactly 1 argument(s)'* ]]
}

@test "state: a live container reports its stored status and pid" {
	start_sleeper
	for st in created running paused; do
		make_state "c-$st" "$st" "$SLEEPER"
		run --separate-stderr incept state "c-$st"
		[ "$status" -eq 0 ]
		[ "$(jq -r .status <<<"$output")" = "$st" ]
		[ "$(jq -r .pid <<<"$output")" = "$SLEEPER" ]
		[ "$(jq -r .id <<<"$output")" = "c-$st" ]
		[ "$(jq -r .bundle <<<"$output")" = "/bundles/c-$st" ]
		[ "$(jq -r .rootfs <<<"$output")" = "/bundles/c-$st/rootfs" ]
		[ "$(jq -r .owner <<<"$output")" = "" ]
	done
}

@test "state: a container whose VMM died is stopped, with pid 0" {
	local p
	p=$(dead_pid)
	make_state dead running "$p" 12345
	run incept state dead
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .pid <<<"$output")" = 0 ]
}

@test "state: a reused pid (other start time) is not our VMM" {
	start_sleeper
	make_state reused running "$SLEEPER" "$(($(pid_start "$SLEEPER") + 1))"
	run incept state reused
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
	# and the right start time makes it running: the check really looks at it
	make_state reused running "$SLEEPER"
	run incept state reused
	[ "$(jq -r .status <<<"$output")" = running ]
}

@test "state: a VMM that became a zombie is stopped" {
	start_unreaped
	make_state zomb running "$ORPHAN"
	run incept state zomb
	[ "$(jq -r .status <<<"$output")" = running ]
	kill -9 "$ORPHAN"
	local i
	for i in $(seq 100); do
		grep -q '^State:.*Z' "/proc/$ORPHAN/status" && break
		sleep 0.02
	done
	grep -q '^State:.*Z' "/proc/$ORPHAN/status" # still there, as a zombie
	run incept state zomb
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .pid <<<"$output")" = 0 ]
}

@test "state: creating while the creator holds the lock, stopped once it is gone" {
	make_state mid creating 0
	flock "$ROOT/mid" -c "\"$INCEPT\" --root \"$ROOT\" state mid" >"$BATS_TEST_TMPDIR/out"
	[ "$(jq -r .status <"$BATS_TEST_TMPDIR/out")" = creating ]
	run incept state mid
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = stopped ]
}

@test "state: output has no trailing newline (as runc's)" {
	make_state nl stopped 0
	incept state nl >"$BATS_TEST_TMPDIR/out"
	[ "$(tail -c 1 "$BATS_TEST_TMPDIR/out")" = "}" ]
	[ "$(tail -c 2 "$BATS_TEST_TMPDIR/out" | head -c 1 | od -An -c | tr -d ' ')" = '\n' ]
}

@test "state: a corrupt state.json is an error, not a crash" {
	mkdir -p "$ROOT/bad"
	echo '{"ociVersion": 1' >"$ROOT/bad/state.json"
	run --separate-stderr incept state bad
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"container bad: state.json: invalid JSON"* ]]
	echo '{"ociVersion":"1","id":"other","status":"created","bundle":"/","rootfs":"/","created":"x"}' \
		>"$ROOT/bad/state.json"
	run --separate-stderr incept state bad
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'state.json names container \"other\"'* ]]
}

@test "state: byte-identical to runc's state of the same container" {
	require_runc
	local b=$BATS_TEST_TMPDIR/bundle
	make_bundle "$b"
	# annotations that Go escapes: <, >, &, a quote, a non-ASCII letter, U+2028
	jq '.annotations = {"z.last": "1", "a.html": "<b>&amp;</b>", "m.q": "say \"hi\"",
		"u.utf8": "caf\u00e9 \u2028 line"}' "$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
	runc_create cmp "$b"
	runc --root "$RUNC_ROOT" state cmp >"$BATS_TEST_TMPDIR/runc.out"
	local rpid
	rpid=$(jq -r .pid "$BATS_TEST_TMPDIR/runc.out")
	[ "$rpid" -gt 0 ]
	OCI_VERSION=$(jq -r .ociVersion "$BATS_TEST_TMPDIR/runc.out") \
		CREATED=$(jq -r .created "$BATS_TEST_TMPDIR/runc.out") \
		BUNDLE=$b ANNOTATIONS=$(jq -c .annotations "$b/config.json") \
		make_state cmp created "$rpid"
	incept state cmp >"$BATS_TEST_TMPDIR/incept.out"
	diff "$BATS_TEST_TMPDIR/runc.out" "$BATS_TEST_TMPDIR/incept.out"
	grep -q 'u003cb' "$BATS_TEST_TMPDIR/incept.out" # the escapes really were exercised
}
