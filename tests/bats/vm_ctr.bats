#!/usr/bin/env bats
# End to end with the real containerd from Debian: its stock runc shim drives the built incept
# (`ctr run --runc-binary`), each container in a microVM restored from a snapshot. containerd
# runs privately (own root, state, socket) for this file only. runc is the reference for the
# same commands in the same file.

load vm_helpers
load ctr_helpers

setup_file() {
	vm_setup_file
	export CTR_WHY
	CTR_WHY=$(ctr_why)
	[ "$CAN_BOOT" = 1 ] && [ -z "$CTR_WHY" ] || return 0
	INCEPT_ABS=$(cd "$BIN" && pwd)/incept
	export INCEPT_ABS
	# the runtime's config for every incept the shim runs: this suite's snapshot directory
	cat >"$WORK"/incept.json <<JSON
{"snapshot_dir": "$SNAPS"}
JSON
	export INCEPT_CONFIG=$WORK/incept.json
	ctr_start "$WORK"/ctr
	ctr_image "$WORK"
}

teardown_file() {
	ctr_stop
}

setup() {
	need_boot
	[ -z "$CTR_WHY" ] || skip "$CTR_WHY"
}

# ctr_run RUNTIME ID ARGS...: ctr run --rm with the image and the given runtime binary.
ctr_run() {
	local rt=$1 id=$2
	shift 2
	ctr_ run --rm --snapshotter native --runc-binary "$rt" "$CTR_IMAGE" "$id" "$@"
}

@test "ctr run --rm: echo reaches ctr's stdout (runc and incept)" {
	run ctr_run /usr/sbin/runc ref-echo echo hi
	[ "$status" -eq 0 ] && [ "$output" = hi ]
	run ctr_run "$INCEPT_ABS" echo1 echo hi
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
}

@test "ctr run --rm: the exit code comes back (7)" {
	run ctr_run "$INCEPT_ABS" code7 sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "ctr run --rm -t: a terminal in the guest" {
	run script -qec "ctr --address $CTR_SOCK --namespace incept-test run --rm -t \
		--snapshotter native --runc-binary $INCEPT_ABS $CTR_IMAGE tty1 sh -c 'tty; echo done'" \
		/dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *done* ]]
}

@test "ctr task exec and ctr task kill on a running container" {
	ctr_ run -d --snapshotter native --runc-binary "$INCEPT_ABS" "$CTR_IMAGE" live sleep 1000
	run ctr_ task exec --exec-id e1 live sh -c 'echo from exec; exit 3'
	echo "status $status"
	[ "$status" -eq 3 ] || tail -n 20 "$CTR_DIR"/containerd.log
	echo "$output"
	[ "$status" -eq 3 ]
	[ "$output" = "from exec" ]
	run ctr_ task ls
	[[ "$output" == *live*RUNNING* ]]
	# busybox sleep as its namespace's PID 1 ignores TERM (as under runc): KILL
	ctr_ task kill -s KILL live
	for _ in $(seq 100); do
		ctr_ task ls | grep -q 'live.*STOPPED' && break
		sleep 0.1
	done
	run ctr_ task ls
	echo "$output"
	[[ "$output" == *live*STOPPED* ]]
	ctr_ task delete live
	ctr_ containers delete live
	# nothing of it left on the host
	run pgrep -f "incept-vmm.*live"
	[ "$status" -ne 0 ]
}

@test "ctr task pause and resume: containerd runs incept pause, then reads its state" {
	ctr_ run -d --snapshotter native --runc-binary "$INCEPT_ABS" "$CTR_IMAGE" frozen sleep 1000
	ctr_ task pause frozen
	run ctr_ task ls
	echo "$output"
	[[ "$output" == *frozen*PAUSED* ]]
	ctr_ task resume frozen
	run ctr_ task ls
	[[ "$output" == *frozen*RUNNING* ]]
	# paused again, then killed: SIGKILL ends a paused container (the VMM dies)
	ctr_ task pause frozen
	ctr_ task kill -s KILL frozen
	for _ in $(seq 100); do
		ctr_ task ls | grep -q 'frozen.*STOPPED' && break
		sleep 0.1
	done
	run ctr_ task ls
	echo "$output"
	[[ "$output" == *frozen*STOPPED* ]]
	ctr_ task delete frozen
	ctr_ containers delete frozen
	run pgrep -f "incept-vmm.*frozen"
	[ "$status" -ne 0 ]
}
