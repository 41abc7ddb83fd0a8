#!/usr/bin/env bats
# pause/resume on real microVMs: the VMM parks every vCPU (docs/runtime.md "pause"), so a
# counter stops while paused and goes on after resume; state, kill (held until resume; -9 at
# once) and delete --force of a paused container behave as runc's do.

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file

status_of() {
	ic state "$1" | jq -r .status
}

# last_count FILE: the last complete line the counter wrote.
last_count() {
	grep -E '^[0-9]+$' "$1" | tail -n 1
}

# wait_count FILE N: up to 30 s for the counter to pass N.
wait_count() {
	local i
	for i in $(seq 300); do
		[ "$(last_count "$1")" -gt "$2" ] 2>/dev/null && return 0
		sleep 0.1
	done
	echo "counter stuck at $(last_count "$1") (wanted > $2)" >&2
	return 1
}

COUNTER='i=0; while :; do i=$((i+1)); echo $i; usleep 100000; done'

@test "pause stops the guest, resume lets it go on; state and list follow" {
	make_busybox_bundle "$B" sh -c "$COUNTER"
	ic run -d -b "$B" c1 </dev/null >"$OUT" 2>&1
	wait_count "$OUT" 2
	ic pause c1
	[ "$(status_of c1)" = paused ]
	ic list | grep -qE '^c1 +[0-9]+ +paused '
	local a b
	a=$(last_count "$OUT")
	sleep 2
	b=$(last_count "$OUT")
	echo "paused: $a -> $b" >&2
	[ "$a" = "$b" ]
	# runc's messages for what a paused container refuses
	run --separate-stderr ic pause c1
	[[ "$stderr" == *'msg="container not running"'* ]]
	run --separate-stderr ic start c1
	[[ "$stderr" == *'cannot start a container in the paused state'* ]]
	run --separate-stderr ic delete c1
	[[ "$stderr" == *'cannot delete container c1 that is not stopped: paused'* ]]
	ic resume c1
	[ "$(status_of c1)" = running ]
	wait_count "$OUT" "$b"
	run --separate-stderr ic resume c1
	[[ "$stderr" == *'msg="container not paused"'* ]]
	ic delete --force c1
	nothing_left
}

# kill_paused_then_resume [--all]: a foreground run (its exit status is the container's) of a
# counter that is no pid-namespace init, so TERM without a handler ends it, as under runc.
kill_paused_then_resume() {
	make_busybox_bundle "$B" sh -c "$COUNTER"
	bundle_set "$B" 'del(.linux.namespaces[] | select(.type == "pid"))'
	ic run -b "$B" c1 </dev/null >"$OUT" 2>&1 &
	local runner=$! a rc=0
	wait_count "$OUT" 1
	ic pause c1
	# runc's freezer: accepted, pending in the frozen process
	run --separate-stderr ic kill "$@" c1 TERM
	[ "$status" -eq 0 ]
	[ "$(status_of c1)" = paused ]
	a=$(last_count "$OUT")
	sleep 1
	kill -0 "$runner" # not delivered while paused
	[ "$(last_count "$OUT")" = "$a" ]
	ic resume c1
	wait "$runner" || rc=$?
	[ "$rc" -eq 143 ]
	nothing_left
}

@test "kill TERM of a paused container: accepted, held, delivered at resume (143)" {
	kill_paused_then_resume
}

@test "kill --all TERM of a paused container: the same" {
	kill_paused_then_resume --all
}

@test "kill -9 of a paused container: the VM dies, state says stopped" {
	make_busybox_bundle "$B" sh -c "$COUNTER"
	ic run -d -b "$B" c1 </dev/null >"$OUT" 2>&1
	wait_count "$OUT" 1
	ic pause c1
	ic kill c1 KILL
	wait_stopped c1
	ic delete c1
	nothing_left
}

@test "delete --force of a paused container (paused while created) leaves nothing" {
	make_busybox_bundle "$B" sh -c "$COUNTER"
	ic create -b "$B" c1 </dev/null >"$OUT" 2>&1
	ic pause c1
	[ "$(status_of c1)" = paused ]
	ic resume c1
	[ "$(status_of c1)" = created ] # runc: resume gives back what was paused
	ic pause c1
	ic delete --force c1
	nothing_left
}
