# A private containerd for end-to-end tests (`load ctr_helpers`): its own root, state, socket
# and config under a temporary directory, started by ctr_start and stopped by ctr_stop (no
# daemon survives a test file), plus a busybox image built from Debian's busybox-static and
# imported from an OCI archive (no network).

CTR_IMAGE=docker.io/incept/busybox:test

# ctr_why: prints why the containerd tests cannot run here (nothing when they can).
ctr_why() {
	local b
	[ "$(id -u)" = 0 ] || { echo "containerd tests need root"; return; }
	for b in containerd ctr containerd-shim-runc-v2 busybox python3; do
		command -v "$b" >/dev/null || { echo "$b not installed (make deps)"; return; }
	done
}

# ctr_start DIR: containerd with everything under DIR; exports CTR_DIR and CTR_SOCK.
ctr_start() {
	export CTR_DIR=$1 CTR_SOCK=$1/containerd.sock
	mkdir -p "$CTR_DIR"/root "$CTR_DIR"/state
	cat >"$CTR_DIR"/config.toml <<TOML
version = 2
root = "$CTR_DIR/root"
state = "$CTR_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$CTR_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTR_DIR/opt"
TOML
	containerd --config "$CTR_DIR"/config.toml >"$CTR_DIR"/containerd.log 2>&1 &
	echo $! >"$CTR_DIR"/containerd.pid
	local i
	for i in $(seq 100); do
		ctr_ version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "containerd did not come up; its log:" >&2
	tail -20 "$CTR_DIR"/containerd.log >&2
	return 1
}

# ctr with the private socket and namespace.
ctr_() {
	ctr --address "$CTR_SOCK" --namespace incept-test "$@"
}

# ctr_stop: removes every container and task, stops containerd, unmounts what it left.
ctr_stop() {
	[ -n "${CTR_DIR:-}" ] || return 0
	local c pid
	for c in $(ctr_ containers ls -q 2>/dev/null); do
		ctr_ task kill -s KILL "$c" >/dev/null 2>&1
		ctr_ task delete -f "$c" >/dev/null 2>&1
		ctr_ containers delete "$c" >/dev/null 2>&1
	done
	pid=$(cat "$CTR_DIR"/containerd.pid 2>/dev/null)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	# shims left behind by a failed test
	pkill -9 -f "containerd-shim-runc-v2 -namespace incept-test .*-address $CTR_SOCK" 2>/dev/null
	grep -o " $CTR_DIR[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$CTR_DIR"
}

# ctr_image DIR: builds an OCI image archive of busybox in DIR/busybox.tar and imports it
# as $CTR_IMAGE.
ctr_image() {
	local d=$1/image-build
	mkdir -p "$d"/rootfs/bin "$d"/rootfs/tmp "$d"/rootfs/etc "$d"/out/blobs/sha256
	cp /bin/busybox "$d"/rootfs/bin/busybox
	# relative links: `busybox --install -s` would point at this host path
	local a
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d"/rootfs/bin/"$a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$d"/rootfs/etc/passwd
	echo "root:x:0:" >"$d"/rootfs/etc/group
	tar -C "$d"/rootfs --numeric-owner --owner=0 --group=0 -cf "$d"/layer.tar .
	python3 "$BATS_TEST_DIRNAME"/oci_image.py "$d"/layer.tar "$d"/out "$CTR_IMAGE"
	tar -C "$d"/out -cf "$1"/busybox.tar .
	ctr_ images import --snapshotter native "$1"/busybox.tar >/dev/null
}
