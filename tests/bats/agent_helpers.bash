# Shared by the bats files that drive incept-agent in its host test mode (agent_serve.bats,
# agent_userns.bats): `load agent_helpers`.

# start_agent FS_ROOT LOG: incept-agent --serve=$SOCK --fs-root=FS_ROOT in the background
# ($AGENT_PID), fds 3 and 4 closed (bats' own), and waits for its socket.
start_agent() {
	"$AGENT" --serve="$SOCK" --fs-root="$1" 3>&- 4>&- >"$2" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 50); do
		[ -S "$SOCK" ] && break
		sleep 0.1
	done
	[ -S "$SOCK" ]
}

# stop_agent: SHUTDOWN, then up to 5 s for the agent to end; 1 (after a SIGKILL) if it did not.
stop_agent() {
	client shutdown >/dev/null 2>&1 || true
	for _ in $(seq 50); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$AGENT_PID" 2>/dev/null; then
		kill -9 "$AGENT_PID"
		wait "$AGENT_PID" || true
		echo "agent did not end on SHUTDOWN" >&2
		return 1
	fi
	wait "$AGENT_PID" || true
}

# client ARGS...: tests/bats/proto_client.py against the agent's socket.
client() {
	timeout 30 python3 "$BATS_TEST_DIRNAME/proto_client.py" "$SOCK" "$@"
}
