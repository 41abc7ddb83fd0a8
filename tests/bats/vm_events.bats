#!/usr/bin/env bats
# events in real microVMs: --stats prints one runc-shaped JSON line from the agent's STATS;
# the streaming form prints one every --interval and ends when the container stops; an
# unknown or stopped container fails as under runc.

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file start_ev1

# every test's container: a busybox sleeping, whose events are read
start_ev1() {
	make_busybox_bundle "$B" sleep 1000
	ic run -d -b "$B" ev1 </dev/null >"$BATS_TEST_TMPDIR/init.out" 2>&1
}

@test "events --stats: one JSON line, type stats, cpu/memory/pids of the running container" {
	ic exec -d ev1 sleep 1000 </dev/null >/dev/null 2>&1
	run --separate-stderr ic events --stats ev1
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = ev1 ]
	# init and the exec'd sleep
	[ "$(jq .data.pids.current <<<"$output")" -ge 2 ]
	[ "$(jq .data.memory.usage.usage <<<"$output")" -gt 0 ]
	jq -e '.data.memory.usage.usage <= .data.memory.usage.limit' <<<"$output"
	jq -e '.data.cpu.usage.total == .data.cpu.usage.user + .data.cpu.usage.kernel' <<<"$output"
}

@test "events: a stats event every --interval until the container stops" {
	ic events --interval 1s ev1 >"$BATS_TEST_TMPDIR/ev" 2>"$BATS_TEST_TMPDIR/ev.err" &
	local ev=$!
	for _ in $(seq 100); do
		[ "$(wc -l <"$BATS_TEST_TMPDIR/ev")" -ge 2 ] && break
		sleep 0.2
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ev")" -ge 2 ]
	ic kill ev1 KILL
	for _ in $(seq 300); do
		kill -0 "$ev" 2>/dev/null || break
		sleep 0.1
	done
	local st=0
	wait "$ev" || st=$?
	cat "$BATS_TEST_TMPDIR/ev" "$BATS_TEST_TMPDIR/ev.err"
	[ "$st" -eq 0 ]
	jq -se 'all(.type == "stats" and .data.pids.current >= 1)' "$BATS_TEST_TMPDIR/ev"
}

@test "events: unknown and stopped containers fail as under runc" {
	run --separate-stderr ic events --stats nope
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'container \"nope\" does not exist'* ]]
	ic kill ev1 KILL
	wait_stopped ev1
	run --separate-stderr ic events --stats ev1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'container with id ev1 is not running'* ]]
	run --separate-stderr ic events ev1
	[ "$status" -eq 1 ]
}
