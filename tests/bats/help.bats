#!/usr/bin/env bats
# incept --help, help [VERB], VERB --help: urfave/cli's layout, as runc's.

load helpers

setup() {
	incept_setup
}

VERBS="checkpoint create delete events exec kill list pause ps restore resume run spec start state update features"

@test "help: --help, -h, help, h and no arguments all print the app help" {
	run --separate-stderr "$INCEPT" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	local want=$output
	[[ "$want" == "NAME:"*"USAGE:"*"VERSION:"*"COMMANDS:"*"GLOBAL OPTIONS:"* ]]
	for args in -h help h ""; do
		run --separate-stderr "$INCEPT" $args
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done
}

@test "help: the app help lists every verb and every global flag" {
	run "$INCEPT" --help
	for v in $VERBS; do
		grep -qE "^   $v +[a-z]" <<<"$output"
	done
	grep -qE '^   help, h +Shows a list of commands or help for one command$' <<<"$output"
	for f in '--debug' '--log value' '--log-format value' '--root value' '--criu value' \
		'--systemd-cgroup' '--rootless value' '--help, -h' '--version, -v'; do
		grep -qF -- "   $f  " <<<"$output"
	done
	grep -qF '(default: "/run/incept")' <<<"$output"
}

@test "help: VERB --help, VERB -h and help VERB agree" {
	for v in $VERBS; do
		run --separate-stderr "$INCEPT" "$v" --help
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "NAME:" ]
		[[ "${lines[1]}" == "   incept $v - "* ]]
		local want=$output
		run "$INCEPT" help "$v"
		[ "$output" = "$want" ]
		run "$INCEPT" h "$v"
		[ "$output" = "$want" ]
		run "$INCEPT" "$v" -h
		[ "$output" = "$want" ]
	done
}

@test "help: --help wins over missing arguments; --help=false does not" {
	run --separate-stderr "$INCEPT" --root "$BATS_TEST_TMPDIR/r" state --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NAME:" ]
	run --separate-stderr "$INCEPT" --root "$BATS_TEST_TMPDIR/r" state --help=false x
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'container \"x\" does not exist'* ]]
}

@test "help: the layout of each verb's help is runc's" {
	command -v runc >/dev/null || skip "runc is not installed"
	# these verbs have the same text as runc's (program name aside), plus incept's own
	# --no-snapshot on create and run, which runc does not have
	for v in create start run exec kill ps pause resume update events delete state list; do
		diff <(runc "$v" --help | sed 's/runc/PROG/g') \
			<("$INCEPT" "$v" --help | sed 's/incept/PROG/g' | grep -v '^   --no-snapshot  ')
	done
	for v in create run; do
		"$INCEPT" "$v" --help | grep -qE '^   --no-snapshot +\(incept\) cold-boot'
	done
	# and the app help has runc's sections with the flag column at runc's position
	diff <(runc --help | grep -E '^   --' | sed -E 's/  +.*//') \
		<("$INCEPT" --help | grep -E '^   --' | sed -E 's/  +.*//')
	diff <(runc --help | grep -E '^[A-Z ]+:$') <("$INCEPT" --help | grep -E '^[A-Z ]+:$')
	# runc's verbs, in runc's order, with the usage column at the same place; incept's own
	# verbs (prepare) come after them
	diff <(runc --help | sed -n '/^COMMANDS:/,/^$/p' | sed -E 's/^(   [^ ]+(, [^ ]+)? +).*/\1/') \
		<("$INCEPT" --help | sed -n '/^COMMANDS:/,/^$/p' | grep -v '^   prepare ' |
			sed -E 's/^(   [^ ]+(, [^ ]+)? +).*/\1/')
	"$INCEPT" --help | sed -n '/^COMMANDS:/,/^$/p' | grep -B1 '^   help, h ' | grep -q '^   prepare '
}

@test "help: an unknown verb or help topic exits 3 as runc does" {
	run --separate-stderr "$INCEPT" bogusverb
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[[ "$stderr" == *"msg=\"No help topic for 'bogusverb'\""* ]]
	run --separate-stderr "$INCEPT" help bogus
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"No help topic for 'bogus'"* ]]
}
