#!/usr/bin/env bats
# exec and ps in real microVMs: output and exit codes, stdin, --env/--cwd/--user, -p
# process.json, -t with the caller's tty, --detach with --pid-file (the relay), a console
# socket, a relay killed by SIGKILL, and ps listing the VMM and the relays.

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file start_e1

# every test's container: a busybox sleeping, to exec in
start_e1() {
	make_busybox_bundle "$B" sleep 1000
	ic run -d -b "$B" e1 </dev/null >"$OUT.init" 2>&1
}

@test "exec: output, stderr and exit codes (0, 3, 143)" {
	run --separate-stderr ic exec e1 sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
	run ic exec e1 sh -c 'exit 3'
	[ "$status" -eq 3 ]
	# an exec'd process is no namespace init: its own TERM kills it
	run ic exec e1 sh -c 'kill -TERM $$; sleep 5'
	[ "$status" -eq 143 ]
}

@test "exec: stdin, --env, --cwd, --user, and a process.json" {
	run ic exec e1 sh -c 'tr a-z A-Z' < <(echo piped)
	[ "$output" = PIPED ]
	run ic exec --env FOO=bar --cwd /bin -u 1000:1001 e1 sh -c 'echo $FOO $(pwd) $(id -u) $(id -g)'
	[ "$output" = "bar /bin 1000 1001" ]
	cat >"$BATS_TEST_TMPDIR/p.json" <<-'EOF'
		{"args": ["sh", "-c", "echo from-json $X; exit 4"], "cwd": "/", "env": ["X=y", "PATH=/bin"]}
	EOF
	run ic exec -p "$BATS_TEST_TMPDIR/p.json" e1 </dev/null
	[ "$status" -eq 4 ]
	[ "$output" = "from-json y" ]
}

@test "exec -t: the caller's tty" {
	run script -qec "$INCEPT --root $CROOT exec -t e1 sh -c 'test -t 0 && echo tty-yes'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *tty-yes* ]]
}

@test "exec --detach: the relay (own session, few fds) has its pid in --pid-file and in ps" {
	ic exec -d --pid-file "$BATS_TEST_TMPDIR/pid" e1 sh -c 'echo detached; sleep 2; exit 6' \
		</dev/null >"$OUT" 2>&1
	local relay
	relay=$(cat "$BATS_TEST_TMPDIR/pid")
	[ -d "/proc/$relay" ]
	# it runs in its own session and holds nothing but its stdio and the stream
	[ "$(ps -o sid= -p "$relay" | tr -d ' ')" = "$relay" ]
	[ "$(ls "/proc/$relay/fd" | wc -l)" -le 5 ]
	run ic ps -f json e1
	[[ "$output" == *"$relay"* ]]
	[[ "$output" == *"$(ic state e1 | jq .pid)"* ]]
	run ic ps e1
	[[ "${lines[0]}" == *PID* ]]
	echo "$output" | awk 'NR > 1 { print $2 }' | grep -qx "$relay"
	while [ -d "/proc/$relay" ] && ! grep -q '^State:.*Z' "/proc/$relay/status"; do sleep 0.1; done
	grep -qx detached "$OUT"
}

@test "exec --detach --tty: the pty master over the console socket" {
	"$BATS_TEST_DIRNAME/console_receiver.py" "$BATS_TEST_TMPDIR/cs" >"$OUT" 2>"$OUT.err" 3>&- &
	local receiver=$!
	while [ ! -S "$BATS_TEST_TMPDIR/cs" ]; do sleep 0.05; done
	ic exec -d -t --console-socket "$BATS_TEST_TMPDIR/cs" e1 sh -c 'test -t 1 && echo tty-exec'
	wait "$receiver"
	tr -d '\r' <"$OUT" | grep -qx tty-exec
}

@test "exec: a relay killed by SIGKILL takes its process along" {
	ic exec -d --pid-file "$BATS_TEST_TMPDIR/pid" e1 sleep 500 </dev/null >/dev/null 2>&1
	local relay i
	relay=$(cat "$BATS_TEST_TMPDIR/pid")
	ic exec e1 sh -c 'ps | grep -q "[s]leep 500"'
	kill -9 "$relay"
	for i in $(seq 100); do
		ic exec e1 sh -c '! ps | grep -q "[s]leep 500"' && break
		sleep 0.2
	done
	ic exec e1 sh -c '! ps | grep -q "[s]leep 500"'
}

@test "exec: errors (unknown command, stopped container) are runc's, status 255" {
	run --separate-stderr ic exec e1 nosuch
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH'* ]]
	ic kill e1 KILL
	wait_stopped e1
	run --separate-stderr ic exec e1 true
	[ "$status" -eq 255 ]
	[[ "$stderr" == *'exec failed: cannot exec in a stopped container'* ]]
	run --separate-stderr ic ps e1
	[[ "$stderr" == *'container not running'* ]]
}
