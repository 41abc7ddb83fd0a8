# Shared by the bats files that boot microVMs: `load vm_helpers`, then `vm_setup_file` in
# setup_file and `need_boot` at the top of each test that boots; files of container tests
# (incept with a private root) call `container_test_file` instead. Without /dev/kvm or the
# guest artefacts those tests skip and say why.

BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}
ART=${INCEPT_ARTIFACTS:-$BATS_TEST_DIRNAME/../../build}

# Exports VMM, KERNEL, INITRD, WORK, SNAPS (a fresh snapshot directory: the cold path runs
# in every file that uses it), and CAN_BOOT / WHY.
vm_setup_file() {
	export VMM="$BIN/incept-vmm" KERNEL="$ART/vmlinux" INITRD="$ART/initrd.cpio"
	export WORK="$BATS_FILE_TMPDIR" SNAPS="$BATS_FILE_TMPDIR/snaps"
	export CAN_BOOT=1 WHY=""
	if [ ! -c /dev/kvm ]; then
		CAN_BOOT=0 WHY="no /dev/kvm on this host"
	elif [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
		CAN_BOOT=0 WHY="build/vmlinux or build/initrd.cpio missing (run make)"
	fi
}

# container_test_file [FN]: gives the file the hooks of a file of container tests:
# setup_file is container_setup_file; setup is container_setup, then FN when named (what the
# file sets up for each test, e.g. a container to exec in); teardown is containers_teardown.
# Call it at the top level, after `load vm_helpers`.
# shellcheck disable=SC2317 # bats calls the hooks
container_test_file() {
	CONTAINER_TEST_SETUP=${1:-}
	setup_file() {
		container_setup_file
	}
	setup() {
		container_setup
		[ -z "$CONTAINER_TEST_SETUP" ] || "$CONTAINER_TEST_SETUP"
	}
	teardown() {
		containers_teardown
	}
}

# container_setup: each container test's setup(): skip without KVM, then CROOT (the test's
# --root), B (its bundle) and OUT (a scratch file prefix).
container_setup() {
	need_boot
	CROOT=$BATS_TEST_TMPDIR/root
	B=$BATS_TEST_TMPDIR/bundle
	OUT=$BATS_TEST_TMPDIR/out
}

need_boot() {
	[ "$CAN_BOOT" = 1 ] || skip "$WHY"
}

# value FILE NAME: the value of the last `name: value` line (console lines end in \r\n).
value() {
	tr -d '\r' <"$1" | sed -n "s/^$2: *//p" | tail -n 1
}

# ---- containers (vm_run, vm_create, vm_exec): incept with a private root and a snapshot ----

# container_setup_file: exports INCEPT, INCEPT_CONFIG (this build's VMM, kernel, initrd) and
# SNAPS, a snapshot directory shared by every file of the suite (and kept between runs: its
# subdirectories are keyed by the kernel, initrd, VMM and shape, so a stale one is never used),
# then builds the snapshot once with `incept prepare` so containers restore instead of booting.
container_setup_file() {
	vm_setup_file
	export INCEPT
	INCEPT=$(cd "$BIN" && pwd)/incept
	export SNAPS=${INCEPT_TEST_SNAPSHOTS:-$(cd "$BIN" && pwd)/test-snapshots}
	export INCEPT_CONFIG="$BATS_FILE_TMPDIR/incept.json"
	cat >"$INCEPT_CONFIG" <<JSON
{"vmm": "$(readlink -f "$BIN/incept-vmm")", "kernel": "$(readlink -f "$KERNEL")",
 "initrd": "$(readlink -f "$INITRD")", "vcpus": 1, "memory_mib": 128, "snapshot_dir": "$SNAPS"}
JSON
	if [ "$CAN_BOOT" = 1 ]; then
		mkdir -p "$SNAPS"
		# KVM and the images are here, so a prepare that fails is a failure, never a skip
		if ! "$INCEPT" prepare >"$BATS_FILE_TMPDIR/prepare.out" 2>&1 </dev/null 3>&-; then
			echo "incept prepare failed:" >&2
			cat "$BATS_FILE_TMPDIR/prepare.out" >&2
			return 1
		fi
	fi
}

# make_busybox_bundle DIR ARGS...: a busybox rootfs (Debian's busybox-static, applets linked
# by `busybox --install -s`) and `incept spec`'s config with terminal false and these args.
make_busybox_bundle() {
	local b=$1 args
	shift
	if [ ! -e "$b/rootfs/usr/bin/busybox" ]; then
		mkdir -p "$b/rootfs/usr/bin" "$b/rootfs/bin"
		cp /bin/busybox "$b/rootfs/usr/bin/busybox"
		# the links point at /usr/bin/busybox, which is where the rootfs has it
		/bin/busybox --install -s "$b/rootfs/bin"
	fi
	rm -f "$b/config.json"
	"$INCEPT" spec --bundle "$b"
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	# The inheritable set gets the ambient capabilities: the kernel raises an ambient cap only
	# when it is inheritable. runc ignores the failed raise that `runc spec`'s config causes;
	# the agent (agent-rpc 8276f0d) refuses it, so the tests use a config where it can work.
	jq --argjson a "$args" '.process.terminal = false | .process.args = $a |
		.process.capabilities.inheritable = .process.capabilities.ambient' \
		"$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}

# bundle_set DIR JQ-FILTER: edits DIR/config.json.
bundle_set() {
	jq "$2" "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}

# ic ARGS...: incept with the file's private root ($CROOT), fds beyond stdio closed (a VMM
# must never hold bats' fd 3).
ic() {
	"$INCEPT" --root "$CROOT" "$@" 3>&-
}

# No container state, no VMM of ours, no socket left under $CROOT (the compiled-seccomp cache,
# #seccomp, is shared by all containers and stays).
nothing_left() {
	[ -z "$(ls -A "$CROOT" 2>/dev/null | grep -vx '#seccomp')" ] || { ls -laR "$CROOT" >&2; return 1; }
	! pgrep -f "vsock-socket $CROOT/" >/dev/null || { pgrep -af "vsock-socket $CROOT/" >&2; return 1; }
}

# Kills the VMMs the file's containers recorded (by pid, from their state.json) and removes
# the root.
containers_teardown() {
	local f pid
	for f in "$CROOT"/*/state.json; do
		[ -e "$f" ] || continue
		pid=$(jq -r .pid "$f")
		[ "$pid" -gt 0 ] && kill -9 "$pid" 2>/dev/null
	done
	rm -rf "$CROOT"
}

# wait_stopped ID: up to 30 s for `state` to say stopped.
wait_stopped() {
	local i
	for i in $(seq 300); do
		ic state "$1" 2>/dev/null | grep -q '"status": "stopped"' && return 0
		sleep 0.1
	done
	ic state "$1" >&2
	return 1
}
