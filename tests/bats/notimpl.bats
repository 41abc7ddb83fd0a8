#!/usr/bin/env bats
# start, pause, resume, ps, events, update, checkpoint, restore: runc's flags,
# arguments and status rules are real; start, pause, resume, ps and events work
# (vm_create.bats, vm_pause.bats, vm_exec.bats, vm_events.bats) and here reach the point
# where they need the container's VMM, which these state.json fixtures lack. No verb
# changes the container's state while failing.

load helpers

NOSOCK='the container has no VMM socket (not made by incept create?)'

setup() {
	incept_setup
	start_sleeper
	for st in created running paused; do
		make_state "$st" "$st" "$SLEEPER"
	done
	make_state stopped running "$(dead_pid)" 77
}

teardown() {
	incept_teardown
}

# Each verb on each container: the expected message (a substring of the error).
expect() {
	local verb=$1 id=$2 want=$3 before
	before=$(sha256sum "$ROOT/$id/state.json")
	run --separate-stderr incept $verb "$id"
	[ "$status" -eq 1 ] || { echo "$verb $id: status $status" >&2; return 1; }
	[[ "$stderr" == *"$want"* ]] || { echo "$verb $id: $stderr" >&2; return 1; }
	[ "$(sha256sum "$ROOT/$id/state.json")" = "$before" ]
}

@test "start: only a created container; runc's messages otherwise" {
	expect start created "msg=\"$NOSOCK\""
	expect start running 'msg="cannot start an already running container"'
	expect start stopped 'msg="cannot start a container that has stopped"'
	expect start paused 'msg="cannot start a container in the paused state"'
}

@test "pause: a running or created container; runc's messages otherwise" {
	expect pause running "msg=\"$NOSOCK\""
	expect pause created "$NOSOCK"
	expect pause paused 'msg="container not running"'
	expect pause stopped 'msg="container not running"'
}

@test "resume: only a paused container" {
	expect resume paused "msg=\"$NOSOCK\""
	expect resume running 'msg="container not paused"'
	expect resume stopped 'msg="container not paused"'
}

@test "ps, events: a paused container's agent cannot answer; said at once" {
	expect ps paused 'msg="container is paused: resume it to list its processes"'
	expect "events --stats" paused 'container is paused: resume it to read its statistics'
}

@test "kill: a paused container's signal is for its VMM to hold" {
	expect kill paused "msg=\"$NOSOCK\""
	expect "kill --all" paused "$NOSOCK"
}

@test "ps: format checked, then needs the VMM; a stopped container is not running" {
	expect ps running "msg=\"$NOSOCK\""
	expect "ps -f json" running "$NOSOCK"
	expect "ps --format xml" running 'msg="invalid format option"'
	expect ps stopped 'msg="container not running"'
	run --separate-stderr incept ps running -ef # ps options after the id are allowed
	[[ "$stderr" == *"$NOSOCK"* ]]
}

@test "events: interval and status checked as runc does, then needs the VMM" {
	expect "events --stats" running "msg=\"$NOSOCK\""
	expect "events --stats" created "$NOSOCK"
	expect "events --interval 10ms" running "$NOSOCK"
	expect "events --interval 0s" running 'msg="duration interval must be greater than 0"'
	expect "events --interval=-1s" running 'duration interval must be greater than 0'
	expect events stopped 'msg="container with id stopped is not running"'
	run --separate-stderr incept events --interval 5 running
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'Incorrect Usage: invalid value "5" for flag -interval: parse error' ]
}

@test "update: runc's flags and their errors; a container without a cgroup of its own" {
	NOCG='container running has no cgroup of its own (created without linux.cgroupsPath and linux.resources): nothing to update'
	expect "update --memory 1g --cpu-quota 1000 --pids-limit 10 --blkio-weight 500" running \
		"msg=\"$NOCG\""
	echo '{"pids": {"limit": 5}}' >"$BATS_TEST_TMPDIR/r.json"
	expect "update -r $BATS_TEST_TMPDIR/r.json" running "$NOCG"
	expect "update --pids-limit 3" stopped 'msg="container not running"'
	expect "update --memory 12x" running \
		"msg=\"invalid value for memory: invalid size: '12x'\""
	expect "update --cpu-share -5" running \
		'invalid value for cpu-share: strconv.ParseUint: parsing \"-5\": invalid syntax'
	expect "update --cpu-quota 1e3" running \
		'invalid value for cpu-quota: strconv.ParseInt: parsing \"1e3\": invalid syntax'
	expect "update --l3-cache-schema L3:0=f" running 'Intel RDT/CAT: l3 cache schema is not enabled'
	echo '{"pids": {"limit": "x"}}' >"$BATS_TEST_TMPDIR/bad.json"
	expect "update -r $BATS_TEST_TMPDIR/bad.json" running "$BATS_TEST_TMPDIR/bad.json: pids.limit"
	expect "update -r $BATS_TEST_TMPDIR/missing.json" running 'no such file or directory'
	run --separate-stderr incept update --pids-limit abc running
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'invalid value \"abc\" for flag -pids-limit: parse error'* ]]
}

@test "checkpoint and restore: flags accepted, then not supported" {
	expect "checkpoint --image-path /x --leave-running --status-fd 3 --empty-ns network" running \
		'msg="checkpoint is not supported by incept"'
	run --separate-stderr incept restore --image-path /x -b /b -d --lsm-profile a:b r
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="restore is not supported by incept"'* ]]
	run --separate-stderr incept checkpoint nope
	[[ "$stderr" == *'container \"nope\" does not exist'* ]]
	run --separate-stderr incept checkpoint --status-fd abc running
	[[ "$stderr" == *'invalid value \"abc\" for flag -status-fd: parse error'* ]]
}

@test "every verb that takes an id: unknown and invalid ids" {
	for verb in start pause resume ps events update checkpoint; do
		run --separate-stderr incept $verb nope
		[ "$status" -eq 1 ]
		[[ "$stderr" == *'msg="container \"nope\" does not exist"'* ]]
		run --separate-stderr incept $verb ../x
		[ "$status" -eq 1 ]
		[[ "$stderr" == *'msg="invalid container ID format"'* ]]
		run --separate-stderr incept $verb
		[ "$status" -eq 1 ]
		[ "${lines[0]}" = "Incorrect Usage." ]
	done
}

@test "mutating verbs wait for the container lock" {
	# while another process holds the lock, start must not get through
	flock "$ROOT/created" -c 'sleep 0.6' 3>&- &
	local holder=$! t0 t1
	sleep 0.1
	t0=$(date +%s%N)
	run --separate-stderr incept start created
	t1=$(date +%s%N)
	wait "$holder"
	[[ "$stderr" == *"$NOSOCK"* ]]
	[ $(((t1 - t0) / 1000000)) -ge 300 ] # it waited for the holder (0.5 s left)
}
