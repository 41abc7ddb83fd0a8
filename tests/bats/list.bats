#!/usr/bin/env bats
# incept list [--format table|json] [--quiet]

load helpers

setup() {
	incept_setup
}

teardown() {
	incept_teardown
}

HEADER='ID          PID         STATUS      BUNDLE      CREATED     OWNER'

@test "list: no root directory yet is an empty table, json null, no ids" {
	run --separate-stderr incept list
	[ "$status" -eq 0 ]
	[ "$output" = "$HEADER" ]
	run --separate-stderr incept list --format json
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	run --separate-stderr incept list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	root_is_empty # list never creates anything
	[ ! -e "$ROOT" ]
}

@test "list: table rows, sorted by id, with live status and pid" {
	start_sleeper
	CREATED=2026-01-02T03:04:05.5Z make_state b-run running "$SLEEPER"
	make_state a-dead running "$(dead_pid)" 999
	make_state c-created created "$SLEEPER"
	run --separate-stderr incept list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == "ID "*"PID "*"STATUS "*"BUNDLE "*"CREATED "*"OWNER" ]]
	read -r id pid st bundle created owner <<<"${lines[1]}"
	[ "$id $pid $st $bundle $owner" = "a-dead 0 stopped /bundles/a-dead root" ]
	read -r id pid st bundle created owner <<<"${lines[2]}"
	[ "$id $pid $st $bundle $created $owner" = "b-run $SLEEPER running /bundles/b-run 2026-01-02T03:04:05.5Z root" ]
	read -r id pid st bundle created owner <<<"${lines[3]}"
	[ "$id $pid $st" = "c-created $SLEEPER created" ]
	# columns line up: every row's PID starts where the header's does
	local col=${lines[0]%%PID*}
	[ "${lines[2]:${#col}:${#SLEEPER}}" = "$SLEEPER" ]
}

@test "list: -q and --quiet print ids only" {
	make_state x2 stopped 0
	make_state x1 stopped 0
	run incept list -q
	[ "$status" -eq 0 ]
	[ "$output" = $'x1\nx2' ]
	run incept list --quiet=true
	[ "$output" = $'x1\nx2' ]
	# runc checks --quiet before --format, so a bad format does not matter then
	run incept list -q -f yaml
	[ "$status" -eq 0 ]
	[ "$output" = $'x1\nx2' ]
}

@test "list: json is an array of state objects" {
	start_sleeper
	ANNOTATIONS='{"k":"<v>"}' make_state j1 paused "$SLEEPER"
	make_state j2 stopped 0
	run --separate-stderr incept list --format=json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" = 2 ]
	[ "$(jq -r '.[0].id, .[0].status, .[0].pid, .[0].owner, .[0].annotations.k' <<<"$output")" = \
		"$(printf 'j1\npaused\n%s\nroot\n<v>' "$SLEEPER")" ]
	[ "$(jq -r '.[1].status, .[1].pid, (.[1] | has("annotations"))' <<<"$output")" = \
		"$(printf 'stopped\n0\nfalse')" ]
	[[ "$output" == *'"k":"\u003cv\u003e"'* ]]
}

@test "list: an unknown format is runc's error" {
	make_state f1 stopped 0
	run --separate-stderr incept list -f yaml
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *'msg="invalid format option"'* ]]
}

@test "list: a broken entry is reported on stderr and skipped" {
	make_state good stopped 0
	mkdir -p "$ROOT/nostate" "$ROOT/.@new-abc123"
	echo garbage >"$ROOT/corrupt.json" # a file, not a directory: ignored
	mkdir -p "$ROOT/corrupt" && echo '{' >"$ROOT/corrupt/state.json"
	run --separate-stderr incept list -q
	[ "$status" -eq 0 ]
	[ "$output" = good ]
	[[ "$stderr" == *"load container corrupt: container corrupt: state.json: invalid JSON"* ]]
	[[ "$stderr" == *'load container nostate: container "nostate" does not exist'* ]]
	[[ "$stderr" != *"@new"* ]]
}

@test "list: takes no arguments and rejects unknown flags like runc" {
	run --separate-stderr incept list extra
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage." ]
	[[ "$stderr" == *'requires exactly 0 argument(s)'* ]]
	run --separate-stderr incept list --bogus
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -bogus" ]
	run --separate-stderr incept list -f
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'flag needs an argument: -f'* ]]
}

@test "list: byte-identical to runc's list of the same container (table and json)" {
	require_runc
	local b=$BATS_TEST_TMPDIR/bundle
	make_bundle "$b"
	jq '.annotations = {"org.x": "a&b"}' "$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
	runc_create same "$b"
	runc --root "$RUNC_ROOT" state same >"$BATS_TEST_TMPDIR/st"
	OCI_VERSION=$(jq -r .ociVersion "$BATS_TEST_TMPDIR/st") \
		CREATED=$(jq -r .created "$BATS_TEST_TMPDIR/st") \
		BUNDLE=$b ANNOTATIONS=$(jq -c .annotations "$b/config.json") \
		make_state same created "$(jq -r .pid "$BATS_TEST_TMPDIR/st")"
	diff <(runc --root "$RUNC_ROOT" list) <(incept list)
	diff <(runc --root "$RUNC_ROOT" list -f json) <(incept list -f json)
	diff <(runc --root "$RUNC_ROOT" list -q) <(incept list -q)
	# and runc's empty outputs
	diff <(runc --root "$BATS_TEST_TMPDIR/none" list) <("$INCEPT" --root "$BATS_TEST_TMPDIR/none" list)
	diff <(runc --root "$BATS_TEST_TMPDIR/none" list -f json) \
		<("$INCEPT" --root "$BATS_TEST_TMPDIR/none" list -f json)
}
