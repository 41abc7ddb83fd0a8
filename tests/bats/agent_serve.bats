#!/usr/bin/env bats
# The guest agent's protocol server (agent/rpc.c, docs/protocol.md) in its host test mode:
# incept-agent --serve=SOCK --fs-root=DIR serves on a Unix socket what it serves on vsock
# port 1024 in a guest, with DIR/<share> in place of the virtio-fs shares. Needs root
# (namespaces, mounts) and Debian's busybox-static for the container's rootfs.

INCEPT_BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}
bats_require_minimum_version 1.5.0
load agent_helpers

setup() {
	# the agent is a guest artefact: never sanitized, always in build/ (tests/run.sh)
	AGENT=$(cd "${INCEPT_GUEST:-$INCEPT_BIN}" 2>/dev/null && pwd)/incept-agent
	[ -x "$AGENT" ] || skip "no incept-agent at $INCEPT_BIN"
	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, mounts)"
	[ -x /bin/busybox ] || skip "needs /bin/busybox (busybox-static)"
	FS=$BATS_TEST_TMPDIR/fs
	SOCK=$BATS_TEST_TMPDIR/agent.sock
	mkdir -p "$FS/rootfs/bin" "$FS/rootfs/proc" "$FS/rootfs/dev" "$FS/rootfs/sys" "$FS/data"
	cp /bin/busybox "$FS/rootfs/bin/busybox"
	# relative links: the container sees the rootfs at /
	(cd "$FS/rootfs/bin" && for x in $(./busybox --list); do
		[ "$x" = busybox ] || ln -s busybox "$x"
	done)
	echo "from a share" >"$FS/data/file"
	start_agent "$FS" "$BATS_TEST_TMPDIR/agent.log"
}

teardown() {
	[ -n "${AGENT_PID:-}" ] || return 0
	stop_agent || return 1
	# nothing left: no process with a root in the test's rootfs, no mount of it
	! grep -q "$BATS_TEST_TMPDIR" /proc/mounts
	for r in /proc/[0-9]*/root; do
		[ "$(readlink "$r" 2>/dev/null)" != "$FS/rootfs" ] || {
			echo "left behind: $r" >&2
			return 1
		}
	done
}

@test "agent: create + start: echo output arrives, exit code 0" {
	run --separate-stderr client run -- echo hello from the container
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the container" ]
}

@test "agent: linux.personality LINUX32 (PERSONALITY 8): uname is i686 in the init and in exec'd processes (runc >= 1.2)" {
	run --separate-stderr client run --personality 8 -- uname -m
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
	client run --personality 8 -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	run --separate-stderr client exec -- uname -m
	client signal 9
	wait "$init" || true
	[ "$output" = i686 ]
	run --separate-stderr client run -- uname -m
	[ "$output" = "$(uname -m)" ]
	# only PER_LINUX and PER_LINUX32 pass the decoder
	run --separate-stderr client run --personality 3 -- true
	[ "$status" -ne 0 ]
	[[ "$output$stderr" == *"personality 0x3: PER_LINUX or PER_LINUX32 only"* ]]
}

@test "agent: EXIT says what the container cost the agent (guest_ns, agent_minflt)" {
	run --separate-stderr client run --timing -- true
	[ "$status" -eq 0 ]
	create=$(sed -n 's/^create_ms: //p' <<<"$stderr")
	rest=$(sed -n 's/^start_to_exit_ms: //p' <<<"$stderr")
	guest=$(sed -n 's/^guest_ms: //p' <<<"$stderr")
	flt=$(sed -n 's/^agent_minflt: //p' <<<"$stderr")
	# measured from CREATE's arrival to EXIT: more than nothing, less than the client saw
	awk -v g="$guest" -v c="$create" -v r="$rest" 'BEGIN { exit !(g > 0 && g <= c + r + 1) }'
	[[ "$flt" =~ ^[0-9]+$ ]]
}

@test "agent: exit code 7 and stderr kept apart" {
	run --separate-stderr client run -- sh -c 'echo out; echo err >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "agent: init is PID 1 of its pid namespace; hostname is set" {
	run --separate-stderr client run --hostname box1 -- sh -c 'echo $$; cut -d" " -f1,2 /proc/1/stat; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = "1 (sh)" ]
	[ "${lines[2]}" = box1 ]
}

@test "agent: stdin is piped through, EOF included" {
	run --separate-stderr client run --stdin -- sh -c 'cat; echo done' < <(printf 'line1\nline2\n')
	[ "$status" -eq 0 ]
	[ "$output" = $'line1\nline2\ndone' ]
}

@test "agent: without stdin the process reads /dev/null" {
	run --separate-stderr client run -- sh -c 'cat; echo eof'
	[ "$status" -eq 0 ]
	[ "$output" = eof ]
}

@test "agent: a lot of output arrives whole before EXIT" {
	run --separate-stderr client run -- sh -c 'seq 1 200000'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 200000 ]
	[ "${lines[199999]}" = 200000 ]
}

@test "agent: args[0] not in PATH: runc's error text, nothing started" {
	run --separate-stderr client run -- nosuch
	[ "$status" -eq 125 ]
	[ "$stderr" = 'error 2: exec: "nosuch": executable file not found in $PATH' ]
	run --separate-stderr client run -- /x
	[ "$status" -eq 125 ]
	[ "$stderr" = 'error 2: exec: "/x": stat /x: no such file or directory' ]
	# the failed CREATEs left no container: a new one works
	run --separate-stderr client run -- true
	[ "$status" -eq 0 ]
}

@test "agent: a bad cwd is refused at create" {
	run --separate-stderr client run --cwd /nonexistent -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'chdir to cwd ("/nonexistent") set in config.json failed'* ]]
}

@test "agent: SIGKILL to init: EXIT signal 9; TERM on an exec stream: EXIT signal 15" {
	client run -- sleep 30 >"$BATS_TEST_TMPDIR/init.out" 2>&1 &
	local init=$!
	sleep 1
	run --separate-stderr client exec --signal-after 0.5:15 -- sleep 30
	[ "$status" -eq 143 ]
	run client signal 9
	[ "$status" -eq 0 ]
	local st=0
	wait "$init" || st=$?
	[ "$st" -eq 137 ]
}

@test "agent: exec: output, stderr and exit code; a tty exec's output arrives" {
	client run -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	run --separate-stderr client exec -- sh -c 'echo exec out; echo exec err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "exec out" ]
	[ "$stderr" = "exec err" ]
	run --separate-stderr client exec --tty -- sh -c 'echo on a tty; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = $'on a tty\r' ]
	# the exec'd process is in the container's pid namespace, beside its init
	run --separate-stderr client exec -- sh -c 'echo $$ > /dev/null; cut -d" " -f2 /proc/1/stat'
	[ "$output" = "(sleep)" ]
	client signal 9
	wait "$init" || true
}

# runc's terminal: a pty of the container's own devpts (not the guest's, which has no name
# in the container), also bound on /dev/console for init.
@test "agent: init's terminal is a pty of the container's devpts, also /dev/console" {
	run --separate-stderr client run --tty -- sh -c '
		tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty
		[ "$(stat -c %t:%T /dev/console)" = "$(stat -c %t:%T "$(tty)")" ] && echo console
		echo via-console >/dev/console'
	[ "$status" -eq 0 ]
	mapfile -t lines <<<"${output//$'\r'/}"
	[[ "${lines[0]}" =~ ^/dev/pts/[0-9]+$ ]]
	[ "${lines[1]}" = stdio-is-a-tty ]
	[ "${lines[2]}" = console ]
	[ "${lines[3]}" = via-console ]
}

@test "agent: an exec's terminal is a pty of the container's devpts" {
	client run -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	run --separate-stderr client exec --tty -- sh -c 'tty; [ -t 0 ] && echo stdin-is-a-tty'
	[ "$status" -eq 0 ]
	mapfile -t lines <<<"${output//$'\r'/}"
	[[ "${lines[0]}" =~ ^/dev/pts/[0-9]+$ ]]
	[ "${lines[1]}" = stdin-is-a-tty ]
	client signal 9
	wait "$init" || true
}

@test "agent: exec'd processes end with init; PS lists live exec'd host pids" {
	client run -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	client exec --host-pid 4242 -- sleep 30 >/dev/null 2>&1 &
	local ex=$!
	sleep 1
	run client ps
	[ "$status" -eq 0 ]
	[ "$output" = 4242 ]
	client signal 9
	local st=0
	wait "$init" || st=$?
	[ "$st" -eq 137 ]
	st=0
	wait "$ex" || st=$?
	[ "$st" -eq 137 ]
}

# stat NAME: a field of `client stats` output in $output
stat() {
	awk -v k="$1" '$1 == k { print $2 }' <<<"$output"
}

@test "agent: STATS: cpu of the container's processes (exited ones too), tasks, memory, uptime" {
	run -125 client stats
	[[ "$output" == *"container not running"* ]]
	client run -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	run client stats
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(stat pids_current)" -eq 1 ]
	local cpu0 limit usage up
	cpu0=$(stat cpu_total_ns)
	[ "$cpu0" -eq $(($(stat cpu_user_ns) + $(stat cpu_kernel_ns))) ]
	# memory and uptime are the (host-mode: this machine's) kernel's
	limit=$(($(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo) * 1024))
	[ "$(stat mem_limit)" -eq "$limit" ]
	usage=$(stat mem_usage)
	[ "$usage" -gt 0 ] && [ "$usage" -le "$limit" ]
	up=$(awk '{ print int($1) }' /proc/uptime)
	[ $(($(stat uptime_ns) / 1000000000 - up)) -le 1 ]
	# an exec'd process that burns CPU and exits: its time stays in the container's total
	client exec -- sh -c 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done'
	client exec -- sleep 30 >/dev/null 2>&1 &
	local ex=$!
	sleep 1
	run client stats
	echo "$output"
	[ "$(stat pids_current)" -eq 2 ]
	[ $(($(stat cpu_total_ns) - cpu0)) -ge 100000000 ]
	client signal --all 9
	wait "$init" || true
	wait "$ex" || true
	run -125 client stats
}

@test "agent: a stream that closes before EXIT kills its process" {
	client run -- sleep 30 >/dev/null 2>&1 &
	local init=$!
	sleep 1
	# python itself (not a shell function's subshell), so that kill -9 hits the stream's owner
	python3 "$BATS_TEST_DIRNAME/proto_client.py" "$SOCK" exec --host-pid 7 -- sleep 30 \
		>/dev/null 2>&1 &
	local ex=$!
	sleep 1
	kill -9 "$ex"
	wait "$ex" || true
	sleep 0.5
	run client ps
	[ "$output" = "" ]
	client signal 9
	wait "$init" || true
}

@test "agent: SIGNAL --all reaches every process of the container" {
	# init survives TERM (a trap), its foreground sleep and the exec'd sleep do not
	client run -- sh -c 'trap "echo init got TERM" TERM; while :; do sleep 1; done' \
		>"$BATS_TEST_TMPDIR/init.out" 2>&1 &
	local init=$!
	sleep 1
	client exec -- sleep 30 >/dev/null 2>&1 &
	local ex=$!
	sleep 0.5
	run client signal --all 15
	[ "$status" -eq 0 ]
	local st=0
	wait "$ex" || st=$?
	[ "$st" -eq 143 ]
	sleep 1.5
	client signal 9
	st=0
	wait "$init" || st=$?
	[ "$st" -eq 137 ]
	grep -q "init got TERM" "$BATS_TEST_TMPDIR/init.out"
}

@test "agent: a second CREATE gets EEXIST; START twice is refused" {
	client create-only -- sleep 30 >"$BATS_TEST_TMPDIR/pid" 2>/dev/null &
	local init=$!
	sleep 1
	run --separate-stderr client run -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == "error 17: "* ]]
	run client start
	[ "$status" -eq 0 ]
	run --separate-stderr client start
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"cannot start an already running container" ]]
	client signal 9
	wait "$init" || true
}

@test "agent: a bind mount from a share, a single file" {
	run --separate-stderr client run --bind data:/mnt/data -- cat /mnt/data/file
	[ "$status" -eq 0 ]
	[ "$output" = "from a share" ]
}

@test "agent: default /dev, masked and readonly paths" {
	run --separate-stderr client run -- sh -c 'ls /dev/null /dev/zero /dev/ptmx /dev/fd >/dev/null && echo devs;
		wc -c < /proc/cmdline; ls /proc/bus | wc -l; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo ro'
	[ "$status" -eq 0 ]
	[ "$output" = $'devs\n0\n0\nro' ]
}

@test "agent: a malformed first message gets ERROR, the server lives on" {
	run python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(struct.pack("<IHBB", 4, 1, 1, 0) + b"\xff\xff\xff\xff")
h = s.recv(8); print(struct.unpack("<IHBB", h)[1])' "$SOCK"
	[ "$output" = 33 ]
	run --separate-stderr client run -- true
	[ "$status" -eq 0 ]
}

@test "agent: the process runs as the given uid/gid with its cwd" {
	mkdir -p "$FS/rootfs/work"
	run --separate-stderr client run --uid 1000 --gid 1001 --cwd /work -- sh -c 'id -u; id -g; pwd'
	[ "$status" -eq 0 ]
	[ "$output" = $'1000\n1001\n/work' ]
}

# mkdir (83) and mkdirat (258) on x86_64: proto_client.py writes the BPF program itself
@test "agent: a seccomp filter in CREATE makes mkdir fail with EPERM; without it mkdir works" {
	[ "$(uname -m)" = x86_64 ] || skip "the test filter is for x86_64"
	run --separate-stderr client run -- mkdir /dev/shm/x
	[ "$status" -eq 0 ]
	run --separate-stderr client run --seccomp-eperm 83 --seccomp-eperm 258 -- \
		sh -c 'mkdir /dev/shm/x; echo "mkdir=$?"'
	[ "$status" -eq 0 ]
	[ "$output" = "mkdir=1" ]
	[[ "$stderr" == *"Operation not permitted"* ]]
}

@test "agent: seccomp without no_new_privs goes in before the user switch (as runc)" {
	[ "$(uname -m)" = x86_64 ] || skip "the test filter is for x86_64"
	# as uid 1000 without no_new_privs the kernel would refuse the filter (EACCES)
	run --separate-stderr client run --uid 1000 --gid 1000 --seccomp-eperm 83 \
		--seccomp-eperm 258 -- sh -c 'mkdir /dev/shm/x; echo "mkdir=$? uid=$(id -u)"'
	[ "$status" -eq 0 ]
	[ "$output" = "mkdir=1 uid=1000" ]
	# with no_new_privs it goes in last, right before execve, and still holds
	run --separate-stderr client run --uid 1000 --gid 1000 --no-new-privs \
		--seccomp-eperm 83 --seccomp-eperm 258 -- \
		sh -c 'mkdir /dev/shm/x; echo "mkdir=$? nnp=$(grep NoNewPrivs /proc/self/status)"'
	[ "$status" -eq 0 ]
	[[ "$output" == "mkdir=1 nnp=NoNewPrivs:"*1 ]]
}

@test "agent: EXEC carries its own seccomp filter" {
	[ "$(uname -m)" = x86_64 ] || skip "the test filter is for x86_64"
	client create-only -- sleep 30 >"$BATS_TEST_TMPDIR/pid" 2>/dev/null &
	local init=$!
	for _ in $(seq 50); do
		[ -s "$BATS_TEST_TMPDIR/pid" ] && break
		sleep 0.1
	done
	client start
	run --separate-stderr client exec --seccomp-eperm 83 --seccomp-eperm 258 -- \
		sh -c 'mkdir /dev/shm/y; echo "mkdir=$?"'
	[ "$output" = "mkdir=1" ]
	run --separate-stderr client exec -- sh -c 'mkdir /dev/shm/y; echo "mkdir=$?"'
	[ "$output" = "mkdir=0" ]
	client signal 9
	wait "$init" || true
}

@test "agent: a startContainer hook reads the state on stdin, in the container, with its env" {
	state='{"ociVersion":"1.2.0","id":"hooked","status":"created","pid":777,"bundle":"/b"}'
	# no env of its own: the process's (runc); its path is the container's /bin/sh
	run --separate-stderr client run --env PATH=/bin --env FOO=from-process --state "$state" \
		--hook '{"path":"/bin/sh","args":["sh","-c","cat > /hookstate; echo $FOO $$ > /hookenv"]}' \
		--hook '{"path":"/bin/sh","args":["sh","-c","echo second >> /hookenv"],"env":["A=1"]}' \
		-- sh -c 'cat /hookstate; echo; cat /hookenv'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$state" ]
	# FOO from the process's env, and a pid of the container's pid namespace (init is 1)
	[[ "${lines[1]}" =~ ^from-process\ [0-9]+$ ]]
	[ "${lines[1]#from-process }" -lt 100 ]
	[ "${lines[2]}" = second ]
	# written inside the container: the rootfs share has it
	[ "$(cat "$FS/rootfs/hookstate")" = "$state" ]
}

@test "agent: a failing startContainer hook: START gets runc's error, the process never runs" {
	run --separate-stderr client run \
		--hook '{"path":"/bin/true"}' \
		--hook '{"path":"/bin/sh","args":["sh","-c","echo out; echo err >&2; exit 3"]}' \
		-- touch /ran
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"error running startContainer hook #1: exit status 3, stdout: out"*", stderr: err"* ]]
	[ ! -e "$FS/rootfs/ran" ]
	# the container is gone: a new one may be created
	run --separate-stderr client run -- true
	[ "$status" -eq 0 ]
}

@test "agent: startContainer hooks: a missing binary, a timeout, and START_NOW's CREATE error" {
	run --separate-stderr client run --hook '{"path":"/no/such/hook"}' -- touch /ran
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"error running startContainer hook #0: fork/exec /no/such/hook: no such file or directory"* ]]
	SECONDS=0
	run --separate-stderr client run \
		--hook '{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}' -- touch /ran
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"error running startContainer hook #0: hook ran past specified timeout of 1.0s"* ]]
	[ "$SECONDS" -lt 10 ]
	run --separate-stderr client run --start-now \
		--hook '{"path":"/bin/sh","args":["sh","-c","kill -9 $$"]}' -- touch /ran
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"error running startContainer hook #0: signal: killed, stdout: , stderr:"* ]]
	[ ! -e "$FS/rootfs/ran" ]
	run --separate-stderr client run --start-now --hook '{"path":"/bin/true"}' -- echo started
	[ "$status" -eq 0 ]
	[ "$output" = started ]
}
