# Shared helpers for the CLI bats files. Each file's setup() calls incept_setup.
#
# incept runs with a private --root under $BATS_TEST_TMPDIR; containers that
# `state`/`list`/`delete` act on are written as state.json fixtures (make_state),
# since `create` needs the VMM. Where the output format matters, tests compare
# with the real runc on this machine.

INCEPT_BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}
bats_require_minimum_version 1.5.0 # run --separate-stderr

incept_setup() {
	# absolute, since tests cd around
	INCEPT=$(cd "$INCEPT_BIN" 2>/dev/null && pwd)/incept
	ROOT=$BATS_TEST_TMPDIR/root
	RUNC_ROOT=$BATS_TEST_TMPDIR/runc-root
	SLEEPERS=()
	RUNC_IDS=()
	if [ ! -x "$INCEPT" ]; then
		echo "no incept binary at $INCEPT (build first, or set INCEPT_BIN)" >&2
		return 1
	fi
}

incept_teardown() {
	local p id
	for id in "${RUNC_IDS[@]}"; do
		runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
	done
	for p in "${SLEEPERS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# incept with the test's private root.
incept() {
	"$INCEPT" --root "$ROOT" "$@"
}

# Start time of PID: field 22 of /proc/PID/stat (counted after the ") " that ends comm).
pid_start() {
	local rest
	rest=$(sed -E 's/^.*\) //' "/proc/$1/stat")
	echo "$rest" | cut -d' ' -f20
}

# A process that lives until the test ends; its pid in $SLEEPER. It must not
# keep bats' fd 3 open, or bats waits for it.
start_sleeper() {
	sleep 1000 3>&- &
	SLEEPER=$!
	SLEEPERS+=("$SLEEPER")
}

# A process whose parent never reaps it: once killed it stays a zombie (pid in
# $ORPHAN) until the parent ($SLEEPER) goes away at teardown.
start_unreaped() {
	local f=$BATS_TEST_TMPDIR/unreaped.pid
	sh -c 'sleep 1000 & echo $! >"$1"; exec sleep 1000' sh "$f" 3>&- &
	SLEEPER=$!
	SLEEPERS+=("$SLEEPER")
	while [ ! -s "$f" ]; do sleep 0.01; done
	ORPHAN=$(cat "$f")
	SLEEPERS+=("$ORPHAN") # it outlives its parent if a test fails before killing it
}

# A pid that is certainly dead now.
dead_pid() {
	sleep 0 3>&- &
	local p=$!
	wait "$p"
	echo "$p"
}

# make_state ID STATUS PID [PIDSTART] — writes $ROOT/ID/state.json as create would.
# PIDSTART defaults to PID's real start time (0 when PID is 0 or dead).
# Optional environment: BUNDLE, CREATED, ANNOTATIONS (a JSON object), OCI_VERSION.
make_state() {
	local id=$1 status=$2 pid=$3 start=${4:-}
	local bundle=${BUNDLE:-/bundles/$id}
	local created=${CREATED:-2026-01-02T03:04:05.123456789Z}
	local annotations='{}'
	[ -z "${ANNOTATIONS:-}" ] || annotations=$ANNOTATIONS
	if [ -z "$start" ]; then
		start=0
		if [ "$pid" -gt 0 ] && [ -e "/proc/$pid/stat" ]; then
			start=$(pid_start "$pid")
		fi
	fi
	mkdir -p "$ROOT/$id"
	chmod 700 "$ROOT" "$ROOT/$id"
	cat >"$ROOT/$id/state.json" <<-EOF
		{
		  "ociVersion": "${OCI_VERSION:-1.1.0}",
		  "id": "$id",
		  "pid": $pid,
		  "status": "$status",
		  "bundle": "$bundle",
		  "rootfs": "$bundle/rootfs",
		  "created": "$created",
		  "owner": "",
		  "annotations": $annotations,
		  "pidStartTime": $start
		}
	EOF
}

# make_bundle DIR: a busybox rootfs and runc's default config running `sleep 1000`.
make_bundle() {
	local b=$1 a
	mkdir -p "$b/rootfs/bin"
	cp /bin/busybox "$b/rootfs/bin/busybox"
	for a in sh sleep true cat; do
		ln -sf busybox "$b/rootfs/bin/$a"
	done
	(cd "$b" && runc spec)
	jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$b/config.json" \
		>"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}

# runc_create ID BUNDLE: a real runc container (status created) under $RUNC_ROOT.
runc_create() {
	runc --root "$RUNC_ROOT" create --bundle "$2" "$1" </dev/null >/dev/null 2>&1 3>&-
	RUNC_IDS+=("$1")
}

require_runc() {
	command -v runc >/dev/null || skip "runc is not installed"
	[ "$(id -u)" -eq 0 ] || skip "creating a runc container needs root"
}

# The root holds no container directories (an empty or missing root).
root_is_empty() {
	[ ! -e "$ROOT" ] || [ -z "$(ls -A "$ROOT" | grep -vx '#seccomp')" ]
}
