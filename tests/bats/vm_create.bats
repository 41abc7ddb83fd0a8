#!/usr/bin/env bats
# create/start/state/kill/delete on real microVMs, as containerd's shim drives them: pid
# file, states after each step, kill of a created container, delete --force, console socket,
# hooks, cgroupsPath, three containers at once, and failures that leave nothing behind.

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file

status_of() {
	ic state "$1" | jq -r .status
}

@test "create, start, state, kill, state, delete" {
	make_busybox_bundle "$B" sleep 100
	ic create -b "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c1 </dev/null >"$OUT" 2>&1
	# plain digits, no newline, the VMM's pid, which is the state's pid
	grep -qxE '[0-9]+' "$BATS_TEST_TMPDIR/pid"
	[ "$(tail -c 1 "$BATS_TEST_TMPDIR/pid" | od -An -c | tr -d ' ')" != '\n' ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(ic state c1 | jq .pid)" = "$pid" ]
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "incept-vmm .*--vsock-socket $CROOT/c1/vmm.sock"
	[ "$(status_of c1)" = created ]
	[ -S "$CROOT/c1/vmm.sock" ]
	ic start c1
	[ "$(status_of c1)" = running ]
	run --separate-stderr ic start c1
	[[ "$stderr" == *'cannot start an already running container'* ]]
	ic kill c1 KILL
	wait_stopped c1
	[ "$(ic state c1 | jq .pid)" = 0 ]
	run --separate-stderr ic kill c1 KILL
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="container not running"'* ]]
	ic delete c1
	nothing_left
	run --separate-stderr ic kill c1 KILL
	[[ "$stderr" == *'container \"c1\" does not exist'* ]]
}

@test "kill: a created container, by name and number; delete of a created one" {
	make_busybox_bundle "$B" sleep 100
	ic create -b "$B" c1 </dev/null >"$OUT" 2>&1
	ic kill c1 9
	wait_stopped c1
	ic delete c1
	ic create -b "$B" c2 </dev/null >"$OUT" 2>&1
	# runc deletes a created container without --force
	ic delete c2
	nothing_left
}

@test "kill --all and SIGTERM to a process that traps it" {
	# an init without a handler ignores TERM (as under runc): send it once the trap is set
	make_busybox_bundle "$B" sh -c 'trap "echo term; exit 5" TERM; echo ready; while :; do sleep 0.2; done'
	ic create -b "$B" c1 </dev/null >"$OUT" 2>&1
	ic start c1
	local i
	for i in $(seq 300); do
		grep -q ready "$OUT" && break
		sleep 0.1
	done
	ic kill c1 SIGTERM
	wait_stopped c1
	grep -q term "$OUT"
	ic delete c1
	make_busybox_bundle "$B" sleep 100
	ic run -d -b "$B" c2 </dev/null >"$OUT" 2>&1
	ic kill --all c2 KILL
	wait_stopped c2
	ic delete c2
	nothing_left
}

@test "delete: a running container only with --force, which kills the VMM" {
	make_busybox_bundle "$B" sleep 100
	ic run -d -b "$B" c1 </dev/null >"$OUT" 2>&1
	local pid
	pid=$(ic state c1 | jq .pid)
	run --separate-stderr ic delete c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'cannot delete container c1 that is not stopped: running'* ]]
	ic delete --force c1
	# gone, or a zombie until its parent reaps it (read once: it may go between two reads)
	local st
	st=$(cat "/proc/$pid/status" 2>/dev/null || true)
	[ -z "$st" ] || grep -q '^State:.*Z' <<<"$st"
	nothing_left
}

@test "terminal: the pty master goes over --console-socket; consoleSize is the window" {
	make_busybox_bundle "$B" sh -c 'test -t 0 && test -t 1 && echo is-a-tty; stty size; echo tty-ok'
	bundle_set "$B" '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 111}'
	"$BATS_TEST_DIRNAME/console_receiver.py" "$BATS_TEST_TMPDIR/cs" >"$OUT" 2>"$OUT.err" 3>&- &
	local receiver=$!
	while [ ! -S "$BATS_TEST_TMPDIR/cs" ]; do sleep 0.05; done
	ic create -b "$B" --console-socket "$BATS_TEST_TMPDIR/cs" c1 </dev/null
	ic start c1
	wait_stopped c1
	wait "$receiver"
	grep -q 'fd-name: /dev/ptmx' "$OUT.err"
	tr -d '\r' <"$OUT" | grep -qx 'is-a-tty'
	tr -d '\r' <"$OUT" | grep -qx '33 111'
	tr -d '\r' <"$OUT" | grep -qx 'tty-ok'
	ic delete c1
}

@test "hooks: prestart, createRuntime, createContainer, poststart, poststop on the host" {
	make_busybox_bundle "$B" sleep 100
	local log=$BATS_TEST_TMPDIR/hooks.log hook=$BATS_TEST_TMPDIR/hook.sh
	cat >"$hook" <<-HOOK
		#!/bin/sh
		printf '%s %s\n' "\$1" "\$(jq -r '.id + " " + .status' )" >>"$log"
	HOOK
	chmod +x "$hook"
	bundle_set "$B" ".hooks = {
		\"prestart\": [{\"path\": \"$hook\", \"args\": [\"hook\", \"prestart\"]}],
		\"createRuntime\": [{\"path\": \"$hook\", \"args\": [\"hook\", \"createRuntime\"]}],
		\"createContainer\": [{\"path\": \"$hook\", \"args\": [\"hook\", \"createContainer\"]}],
		\"poststart\": [{\"path\": \"$hook\", \"args\": [\"hook\", \"poststart\"]}],
		\"poststop\": [{\"path\": \"$hook\", \"args\": [\"hook\", \"poststop\"]}]}"
	ic create -b "$B" c1 </dev/null >"$OUT" 2>&1
	ic start c1
	ic delete -f c1
	diff "$log" - <<-EOF
		prestart c1 created
		createRuntime c1 created
		createContainer c1 created
		poststart c1 running
		poststop c1 stopped
	EOF
}

@test "hooks: a failing create hook fails create with runc's message, leaving nothing" {
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "echo oops; exit 3"]}]}'
	run --separate-stderr ic create -b "$B" c1 </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'error running createRuntime hook #0: exit status 3, stdout: oops'* ]]
	nothing_left
}

@test "hooks: startContainer runs in the guest, in the container, with the state on stdin" {
	make_busybox_bundle "$B" cat /tmp/hookstate
	# /tmp a tmpfs of the container's own: only a hook inside the container can write there
	bundle_set "$B" '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}] |
		.hooks = {"startContainer": [{"path": "/bin/sh",
			"args": ["sh", "-c", "cat > /tmp/hookstate"], "timeout": 60}]}'
	run --separate-stderr ic run -b "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -r '.id + " " + .status' <<<"$output")" = "c1 created" ]
	# the pid is the VMM's, as `state` showed it
	[ "$(jq -r .pid <<<"$output")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(jq -r .bundle <<<"$output")" = "$(cd "$B" && pwd -P)" ]
	nothing_left
}

@test "hooks: a failing startContainer hook fails run with runc's message, leaving nothing" {
	make_busybox_bundle "$B" touch /ran
	bundle_set "$B" '.root.readonly = false |
		.hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo bad >&2; exit 2"]}]}'
	run --separate-stderr ic run -b "$B" c1 </dev/null
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'error running startContainer hook #0: exit status 2, stdout: , stderr: bad'* ]]
	[ ! -e "$B/rootfs/ran" ]
	nothing_left
}

@test "cgroupsPath: the VMM runs in that cgroup (v2), which delete removes" {
	local v2=/sys/fs/cgroup
	[ -e $v2/cgroup.procs ] || v2=/sys/fs/cgroup/unified
	[ -e $v2/cgroup.procs ] || skip "no cgroup v2 hierarchy"
	make_busybox_bundle "$B" sleep 100
	bundle_set "$B" '.linux.cgroupsPath = "/incept-test/c1"'
	ic run -d -b "$B" c1 </dev/null >"$OUT" 2>&1
	local pid
	pid=$(ic state c1 | jq .pid)
	grep -qx '0::/incept-test/c1' "/proc/$pid/cgroup"
	ic delete -f c1
	[ ! -e "$v2/incept-test/c1" ]
	rmdir "$v2/incept-test"
}

@test "network namespace: a new one for the VMM without a path, the named one with a path" {
	command -v ip >/dev/null || skip "no ip(8) to make a named network namespace"
	make_busybox_bundle "$B" sleep 100
	ic run -d -b "$B" n1 </dev/null >"$OUT" 2>&1
	local pid
	pid=$(ic state n1 | jq .pid)
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	ic delete -f n1
	ip netns add incept-test-n2
	bundle_set "$B" '(.linux.namespaces[] | select(.type == "network")) += {"path": "/run/netns/incept-test-n2"}'
	ic run -d -b "$B" n2 </dev/null >"$OUT" 2>&1 || { ip netns delete incept-test-n2; cat "$OUT"; false; }
	pid=$(ic state n2 | jq .pid)
	local want got
	want="net:[$(stat -L -c %i /run/netns/incept-test-n2)]"
	got=$(readlink "/proc/$pid/ns/net")
	ic delete -f n2
	ip netns delete incept-test-n2
	[ "$got" = "$want" ]
	nothing_left
}

@test "three containers at once" {
	make_busybox_bundle "$B" sh -c 'echo "hello from $(hostname)"'
	local i pids=()
	for i in 1 2 3; do
		bundle_set "$B" ".hostname = \"h$i\""
		cp -r "$B" "$B$i"
		ic run -b "$B$i" c$i </dev/null >"$OUT$i" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2; do
		wait "${pids[$i]}"
	done
	for i in 1 2 3; do
		grep -qx "hello from h$i" "$OUT$i"
	done
	nothing_left
}

@test "state: a VMM that died unexpectedly makes the container stopped; delete cleans up" {
	make_busybox_bundle "$B" sleep 100
	ic run -d -b "$B" c1 </dev/null >"$OUT" 2>&1
	local pid
	pid=$(ic state c1 | jq .pid)
	kill -9 "$pid"
	wait_stopped c1
	run --separate-stderr ic exec c1 true
	[[ "$stderr" == *'cannot exec in a stopped container'* ]]
	ic delete c1
	nothing_left
}
