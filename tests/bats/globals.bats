#!/usr/bin/env bats
# Global flags: --root, --log, --log-format, --debug, --systemd-cgroup, --rootless, --criu.

load helpers

setup() {
	incept_setup
}

@test "globals: --root in all of Go's spellings, and relative to the cwd" {
	make_state r1 stopped 0
	for form in "--root $ROOT" "-root $ROOT" "--root=$ROOT" "-root=$ROOT"; do
		run --separate-stderr "$INCEPT" $form list -q
		[ "$status" -eq 0 ]
		[ "$output" = r1 ]
	done
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$INCEPT" --root root state r1
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = r1 ]
	cd root
	run --separate-stderr "$INCEPT" --root . list -q
	[ "$output" = r1 ]
}

@test "globals: the default root is /run/incept" {
	run "$INCEPT" --help
	[[ "$output" == *'--root value        root directory for storage of container state (this should be located in tmpfs) (default: "/run/incept")'* ]]
	[ ! -e /run/incept/no-such-container-zz ]
	run --separate-stderr "$INCEPT" state no-such-container-zz
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'container \"no-such-container-zz\" does not exist'* ]]
}

@test "globals: errors go to stderr in logrus text form without --log" {
	run --separate-stderr incept state nope
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\"\ level=error\ msg=\"container\ \\\"nope\\\"\ does\ not\ exist\"$ ]]
}

@test "globals: --log-format json writes containerd's log.json lines, and stderr gets the message" {
	local log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr "$INCEPT" --root "$ROOT" --log "$log" --log-format json state nope
	[ "$status" -eq 1 ]
	[ "$stderr" = 'container "nope" does not exist' ]
	[ "$(wc -l <"$log")" -eq 1 ]
	[ "$(jq -r .level "$log")" = error ]
	[ "$(jq -r .msg "$log")" = 'container "nope" does not exist' ]
	[[ "$(jq -r .time "$log")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	[ "$(jq -r 'keys_unsorted | join(",")' "$log")" = level,msg,time ]
	# appended, never truncated
	"$INCEPT" --root "$ROOT" --log "$log" --log-format=json delete nope 2>/dev/null || true
	[ "$(wc -l <"$log")" -eq 2 ]
}

@test "globals: --log with text format writes logrus lines to the file" {
	local log=$BATS_TEST_TMPDIR/log.txt
	run --separate-stderr "$INCEPT" --root "$ROOT" --log "$log" state nope
	[ "$status" -eq 1 ]
	[ "$stderr" = 'container "nope" does not exist' ]
	grep -qE '^time="[^"]+" level=error msg="container \\"nope\\" does not exist"$' "$log"
}

@test "globals: a bad --log-format or --rootless value is an error before any verb runs" {
	run --separate-stderr incept --log-format yaml list
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *'msg="invalid log-format: yaml"'* ]]
	run --separate-stderr incept --rootless maybe list
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'invalid --rootless value: maybe'* ]]
	for v in true false auto; do
		run incept --rootless "$v" list -q
		[ "$status" -eq 0 ]
	done
}

@test "globals: --debug, --systemd-cgroup and --criu are accepted" {
	make_state g1 stopped 0
	run --separate-stderr incept --debug --systemd-cgroup --criu /nonexistent/criu list -q
	[ "$status" -eq 0 ]
	[ "$output" = g1 ]
	run --separate-stderr incept --systemd-cgroup=false --debug=true list -q
	[ "$status" -eq 0 ]
}

@test "globals: unknown or incomplete global flags are usage errors, as runc's" {
	run --separate-stderr "$INCEPT" --bogus list
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage. flag provided but not defined: -bogus" ]
	[[ "$output" == *"GLOBAL OPTIONS:"* ]]
	[[ "$stderr" == *'msg="flag provided but not defined: -bogus"'* ]]
	run --separate-stderr "$INCEPT" --root
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage. flag needs an argument: -root" ]
	# global flags belong before the verb
	run --separate-stderr "$INCEPT" list --root /tmp
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'flag provided but not defined: -root'* ]]
}

@test "globals: an unwritable --log is reported" {
	run --separate-stderr "$INCEPT" --log /nonexistent/dir/log list
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'open log file /nonexistent/dir/log: no such file or directory'* ]]
}

@test "globals: usage mistakes give runc's status, first line and error" {
	command -v runc >/dev/null || skip "runc is not installed"
	for args in "--bogus list" "--root" "state" "list --bogus" "list -f" "list x" "kill" \
		"delete a b" "events --interval 5 x" "create --preserve-fds abc x" "exec" \
		"list --quiet=maybe" "list ---q" "state -x" "kill x 1 2"; do
		run --separate-stderr runc --root "$BATS_TEST_TMPDIR/rr" $args
		local rs=$status rfirst=${lines[0]:-} rerr=${stderr//runc/PROG}
		run --separate-stderr incept $args
		[ "$status" -eq "$rs" ]
		[ "${lines[0]:-}" = "$rfirst" ]
		[ "$(sed -E 's/^time="[^"]*" //' <<<"${stderr//incept/PROG}")" = \
			"$(sed -E 's/^time="[^"]*" //' <<<"$rerr")" ]
	done
}
