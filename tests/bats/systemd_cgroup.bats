#!/usr/bin/env bats
# --systemd-cgroup (runc's systemd cgroup driver): cgroupsPath "slice:prefix:name", the
# transient scope systemd makes around the VMM's pid before the VMM runs, StopUnit when create
# fails, the direct fallback on hosts without systemd. systemd itself is stood in for by
# fake_systemd.py on a private dbus-daemon (real libdbus decodes what incept sends). The VMM
# is a stand-in script that records the cgroup it starts in and exits: no VM boots here.

load helpers

setup() {
	incept_setup
	[ "$(id -u)" = 0 ] || skip "needs root (cgroups)"
	CG=$(for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ -f "$d/cgroup.procs" ] && echo "$d" && break
	done)
	[ -n "$CG" ] || skip "no cgroup v2 hierarchy on this host"
	B=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$B/rootfs/bin"
	cp /bin/busybox "$B/rootfs/bin/sleep"
	cat >"$B/config.json" <<-'EOF'
		{"ociVersion": "1.1.0", "root": {"path": "rootfs"},
		 "process": {"terminal": false, "cwd": "/", "args": ["sleep", "1000"]}}
	EOF
	# the stand-in VMM: where it runs is what the test checks; no reply, so create fails
	cat >"$BATS_TEST_TMPDIR/vmm" <<-EOF
		#!/bin/sh
		grep '^0::' /proc/self/cgroup >"$BATS_TEST_TMPDIR/vmm.cgroup"
		exit 1
	EOF
	chmod +x "$BATS_TEST_TMPDIR/vmm"
	export INCEPT_CONFIG=$BATS_TEST_TMPDIR/incept.json
	echo "{\"vmm\": \"$BATS_TEST_TMPDIR/vmm\"}" >"$INCEPT_CONFIG"
	SLICE=incepttest$$-x.slice # its own slice, so nothing of the host's is touched
	SLICE_DIR=$CG/incepttest$$.slice/incepttest$$-x.slice
}

teardown() {
	incept_teardown
	local p
	for p in ${FAKE_PID:-} ${BUS_PID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
	rmdir "$SLICE_DIR"/*.scope "$SLICE_DIR" "$CG/incepttest$$.slice" 2>/dev/null || true
}

# A private dbus-daemon and the fake systemd on it; DBUS_SYSTEM_BUS_ADDRESS names it.
start_fake_systemd() {
	[ -x /usr/bin/dbus-daemon ] || skip "needs dbus-daemon (make deps)"
	/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null || skip "needs python3-dbus, python3-gi"
	local sock=$BATS_TEST_TMPDIR/bus.sock
	cat >"$BATS_TEST_TMPDIR/bus.conf" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig><type>custom</type><listen>unix:path=$sock</listen><auth>EXTERNAL</auth>
		<policy context="default"><allow user="*"/><allow own="*"/>
		<allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>
	EOF
	dbus-daemon --config-file="$BATS_TEST_TMPDIR/bus.conf" --nofork --nopidfile 3>&- &
	BUS_PID=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$sock
	LOG=$BATS_TEST_TMPDIR/systemd.log
	/usr/bin/python3 "$BATS_TEST_DIRNAME/fake_systemd.py" "$LOG" "$CG" 3>&- &
	FAKE_PID=$!
	for _ in $(seq 100); do grep -q '"ready"' "$LOG" 2>/dev/null && break; sleep 0.1; done
	grep -q '"ready"' "$LOG"
}

@test "systemd-cgroup: the VMM starts inside the transient scope systemd made for it" {
	start_fake_systemd
	jq --arg p "$SLICE:crio:c1" '.linux.cgroupsPath = $p' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	run --separate-stderr incept --systemd-cgroup create -b "$B" c1
	[ "$status" -eq 1 ]
	# placed before it ran: the VMM's first look at /proc/self/cgroup is the scope
	[ "$(cat "$BATS_TEST_TMPDIR/vmm.cgroup")" = "0::/incepttest$$.slice/incepttest$$-x.slice/crio-c1.scope" ]
	local start
	start=$(grep StartTransientUnit "$LOG")
	[ "$(jq -r .name <<<"$start")" = crio-c1.scope ]
	[ "$(jq -r .mode <<<"$start")" = replace ]
	[ "$(jq -c .props <<<"$start" | jq -c 'del(.PIDs)')" = "$(jq -nc --arg s "$SLICE" \
		'{"Description":"incept container c1","Slice":$s,"Delegate":true,"MemoryAccounting":true,"CPUAccounting":true,"IOAccounting":true,"TasksAccounting":true,"DefaultDependencies":false}')" ]
	# the types real libdbus decoded: b as Boolean (not a number), au for PIDs
	[ "$(jq -c .types <<<"$start")" = '{"Description":"String","Slice":"String","Delegate":"Boolean","PIDs":"Array(u)","MemoryAccounting":"Boolean","CPUAccounting":"Boolean","IOAccounting":"Boolean","TasksAccounting":"Boolean","DefaultDependencies":"Boolean"}' ]
	[ "$(jq -c '.props.PIDs | length' <<<"$start")" = 1 ]
	[ "$(jq -c .aux <<<"$start")" = '[]' ]
	# create failed (the stand-in VMM exits): the unit is stopped, nothing is left
	grep -q '"call": "StopUnit", "name": "crio-c1.scope"' "$LOG"
	[ ! -d "$SLICE_DIR/crio-c1.scope" ]
	root_is_empty
}

@test "systemd-cgroup: linux.resources go to systemd as unit properties too (runc's)" {
	start_fake_systemd
	jq --arg p "$SLICE:crio:c4" '.linux.cgroupsPath = $p | .linux.resources = {"memory":
		{"limit": 268435456}, "pids": {"limit": 100}, "cpu": {"quota": 25000, "period": 100000}}' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept --systemd-cgroup create -b "$B" c4
	[ "$status" -eq 1 ]
	local start
	start=$(grep StartTransientUnit "$LOG")
	# 25000/100000 s per s: 250 ms of CPU per second
	[ "$(jq -c '.props | {MemoryMax, TasksMax, CPUQuotaPerSecUSec}' <<<"$start")" = \
		'{"MemoryMax":268435456,"TasksMax":100,"CPUQuotaPerSecUSec":250000}' ]
	[ "$(jq -c '.types | {MemoryMax, TasksMax, CPUQuotaPerSecUSec}' <<<"$start")" = \
		'{"MemoryMax":"UInt64","TasksMax":"UInt64","CPUQuotaPerSecUSec":"UInt64"}' ]
	root_is_empty
}

@test "systemd-cgroup: update sets the scope's unit properties too" {
	start_fake_systemd
	start_sleeper
	make_state u1 running "$SLEEPER"
	mkdir -p "$SLICE_DIR/crio-u1.scope"
	jq --arg d "$SLICE_DIR/crio-u1.scope" '.cgroupDir = $d | .systemdUnit = "crio-u1.scope"' \
		"$ROOT/u1/state.json" >"$BATS_TEST_TMPDIR/s" && mv "$BATS_TEST_TMPDIR/s" "$ROOT/u1/state.json"
	run --separate-stderr incept --systemd-cgroup update --pids-limit 50 --memory 64m u1
	[ "$status" -eq 0 ]
	[ "$(grep SetUnitProperties "$LOG" | jq -cS '[.name, .runtime, .props, .types.TasksMax]')" = \
		'["crio-u1.scope",true,{"MemoryMax":67108864,"TasksMax":50},"UInt64"]' ]
}

@test "systemd-cgroup: systemd's error fails create in runc's words and leaves nothing" {
	start_fake_systemd
	jq --arg p "$SLICE:x:exists" '.linux.cgroupsPath = $p' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	run --separate-stderr incept --systemd-cgroup create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'unable to start unit \"x-exists.scope\": org.freedesktop.systemd1.UnitExists: Unit x-exists.scope was already loaded'* ]]
	# the VMM never ran: the child waiting for its placement was killed
	[ ! -e "$BATS_TEST_TMPDIR/vmm.cgroup" ]
	root_is_empty
}

@test "systemd-cgroup: cgroupsPath format and slice names are checked as runc checks them" {
	jq '.linux.cgroupsPath = "a:b"' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept --systemd-cgroup create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"a:b\" instead'* ]]
	for s in bad a--b.slice -a.slice a-.slice a/b.slice; do
		jq --arg p "$s:x:c1" '.linux.cgroupsPath = $p' "$B/config.json" >"$B/c" &&
			mv "$B/c" "$B/config.json"
		run --separate-stderr incept --systemd-cgroup create -b "$B" c1
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"invalid slice name: $s"* ]]
	done
	root_is_empty
}

@test "systemd-cgroup: without systemd on the host the scope's directory is made directly" {
	[ ! -d /run/systemd/system ] || skip "systemd runs here: the fallback is for hosts without it"
	unset DBUS_SYSTEM_BUS_ADDRESS
	jq --arg p "$SLICE:crio:c2" '.linux.cgroupsPath = $p' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	run --separate-stderr incept --systemd-cgroup create -b "$B" c2
	[ "$status" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/vmm.cgroup")" = "0::/incepttest$$.slice/incepttest$$-x.slice/crio-c2.scope" ]
	[ ! -d "$SLICE_DIR/crio-c2.scope" ]
	root_is_empty
}

@test "systemd-cgroup: without the flag, slice:prefix:name is a plain path (runc's reading)" {
	jq '.linux.cgroupsPath = "incepttest:x:c3"' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c3
	[ "$status" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/vmm.cgroup")" = "0::/incepttest:x:c3" ]
	[ ! -d "$CG/incepttest:x:c3" ]
	root_is_empty
}
