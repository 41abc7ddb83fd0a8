#!/usr/bin/env bats
# linux.resources on the VMM's host cgroup (cgroup v2) and `incept update`, on real
# microVMs. Tests needing what a host's v2 hierarchy lacks (hybrid hosts bind cpu, memory, pids
# to v1) skip with a message; incept itself skips such limits with a warning
# (docs/runtime.md "Resources"); a failed create leaves nothing.

bats_require_minimum_version 1.5.0

load vm_helpers

setup_file() {
	container_setup_file
	export V2=/sys/fs/cgroup
	[ -e $V2/cgroup.procs ] || V2=/sys/fs/cgroup/unified
	[ -e $V2/cgroup.procs ] || V2=
	# what the root's subtree_control held before, to give it back in teardown_file
	export SUBTREE_BEFORE=
	[ -z "$V2" ] || SUBTREE_BEFORE=$(cat $V2/cgroup.subtree_control)
}

setup() {
	container_setup
	[ -n "$V2" ] || skip "no cgroup v2 hierarchy on this host"
	CG=incept-test/res-$BATS_TEST_NUMBER-$$
}

teardown() {
	containers_teardown
	[ -z "$V2" ] || rmdir "$V2/$CG" 2>/dev/null || true
}

# The controllers the runtime enabled for these tests go back to how they were.
teardown_file() {
	local c
	[ -n "$V2" ] || return 0
	for c in $(cat $V2/cgroup.subtree_control); do
		[[ " $SUBTREE_BEFORE " == *" $c "* ]] && continue
		echo "-$c" >$V2/incept-test/cgroup.subtree_control 2>/dev/null
		echo "-$c" >$V2/cgroup.subtree_control 2>/dev/null
	done
	return 0
}

have_controllers() {
	local c
	for c in "$@"; do
		grep -qw "$c" $V2/cgroup.controllers || return 1
	done
}

@test "pids and memory limits at create; update --pids-limit, --memory, -r -" {
	have_controllers pids memory cpu ||
		skip "cgroup v2 here has no pids/memory/cpu controllers (only: $(cat $V2/cgroup.controllers))"
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" ".linux.cgroupsPath = \"/$CG\" |
		.linux.resources.pids.limit = 50 | .linux.resources.memory.limit = 536870912"
	ic run -d -b "$B" r1 </dev/null >"$OUT" 2>&1
	[ "$(cat $V2/$CG/pids.max)" = 50 ]
	[ "$(cat $V2/$CG/memory.max)" = 536870912 ]
	ic update --pids-limit 20 r1
	[ "$(cat $V2/$CG/pids.max)" = 20 ]
	ic update --memory 256m r1
	[ "$(cat $V2/$CG/memory.max)" = 268435456 ]
	echo '{"cpu": {"quota": 50000, "period": 100000, "shares": 2048}}' | ic update -r - r1
	[ "$(cat $V2/$CG/cpu.max)" = "50000 100000" ]
	[ "$(cat $V2/$CG/cpu.weight)" = 174 ]
	ic delete --force r1
	nothing_left
	[ ! -e "$V2/$CG" ]
}

@test "hugetlb at create, unified through update -r; the cgroup goes with delete" {
	have_controllers hugetlb || skip "cgroup v2 here has no hugetlb controller"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages on this host"
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" ".linux.cgroupsPath = \"/$CG\" |
		.linux.resources.hugepageLimits = [{\"pageSize\": \"2MB\", \"limit\": 4194304}]"
	ic create -b "$B" h1 </dev/null >"$OUT" 2>&1
	[ "$(cat $V2/$CG/hugetlb.2MB.max)" = 4194304 ]
	[ "$(ic state h1 | jq -r .status)" = created ]
	grep -qx "0::/$CG" "/proc/$(ic state h1 | jq .pid)/cgroup"
	echo '{"unified": {"hugetlb.2MB.max": "2097152"}}' | ic update -r - h1
	[ "$(cat $V2/$CG/hugetlb.2MB.max)" = 2097152 ]
	# runc's messages for what cannot be written
	run --separate-stderr ic update -r - h1 <<<'{"unified": {"nosuch.file": "1"}}'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'unified resource \"nosuch.file\" can'\''t be set: controller \"nosuch\" not available'* ]]
	ic delete --force h1
	nothing_left
	[ ! -e "$V2/$CG" ]
}

@test "a limit for a controller this host's cgroup v2 lacks is skipped with a warning" {
	! have_controllers pids || skip "this host has the pids controller in cgroup v2"
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" ".linux.cgroupsPath = \"/$CG\" | .linux.resources.pids.limit = 50 |
		.linux.resources.cpu.shares = 1024"
	# the VMM keeps create's stdio: files, not bats' pipes
	ic create -b "$B" w1 </dev/null >"$OUT" 2>"$OUT.err"
	grep -q 'pids.max not set: this host'\''s cgroup v2 hierarchy has no pids controller' "$OUT.err"
	grep -q 'cpu.weight not set' "$OUT.err"
	[ "$(ic state w1 | jq -r .status)" = created ]
	ic delete w1
	nothing_left
	[ ! -e "$V2/$CG" ]
}

@test "unified: an unknown controller fails create with runc's message, nothing left" {
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" ".linux.cgroupsPath = \"/$CG\" | .linux.resources.unified = {\"nosuch.max\": \"1\"}"
	run --separate-stderr ic create -b "$B" f1 </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'unified resource \"nosuch.max\" can'\''t be set: controller \"nosuch\" not available'* ]]
	nothing_left
	[ ! -e "$V2/$CG" ]
}
