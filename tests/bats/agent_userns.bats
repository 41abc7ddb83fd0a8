#!/usr/bin/env bats
# A container's user namespace (CREATE with CLONE_NEWUSER and its maps: agent/userns.c) without
# a VM: the agent in its host test mode (incept-agent --serve) and, as its shares, the VMM's
# FUSE server mounted on the host (incept-fuse-host), which creates files with the ids of the
# request as virtio-fs does in a guest. vm_userns.bats runs the same through incept in VMs.
# Needs root, /dev/fuse and Debian's busybox-static.

INCEPT_BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}
bats_require_minimum_version 1.5.0
load agent_helpers

# the container's ids 0..65535 are the host's 100000.. (uids) and 200000.. (gids)
UID0=100000
GID0=200000

setup() {
	AGENT=$(cd "${INCEPT_GUEST:-$INCEPT_BIN}" 2>/dev/null && pwd)/incept-agent
	FUSE=$(cd "$INCEPT_BIN" 2>/dev/null && pwd)/incept-fuse-host
	[ -x "$AGENT" ] && [ -x "$FUSE" ] || skip "no incept-agent or incept-fuse-host"
	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, mounts, FUSE allow_other)"
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	[ -x /bin/busybox ] || skip "needs /bin/busybox (busybox-static)"
	[ -e /proc/self/ns/user ] || skip "no user namespaces in this kernel"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/rootfs/bin" "$T/data/tmp"
	cp /bin/busybox "$T/rootfs/bin/busybox"
	(cd "$T/rootfs/bin" && for x in $(./busybox --list); do
		[ "$x" = busybox ] || ln -s busybox "$x"
	done)
	# the rootfs and the bind source are the mapped root's (Docker's userns-remap does this)
	chown -R -h "$UID0:$GID0" "$T/rootfs" "$T/data"
	chmod 1777 "$T/data/tmp"
	echo root >"$T/data/rootfile"
	echo secret >"$T/data/secret"
	chmod 0600 "$T/data/secret"
	# the FUSE mount must be reachable by other uids (bats' own tmpdir is private)
	MB=$(mktemp -d /tmp/incept-userns.XXXXXX) && chmod 755 "$MB" && mkdir "$MB/mnt"
	"$FUSE" --threads 2 --share rootfs="$T/rootfs" --share data="$T/data" "$MB/mnt" \
		2>"$T/fuse.log" 3>&- &
	FUSE_PID=$!
	for _ in $(seq 100); do
		mountpoint -q "$MB/mnt" && break
		sleep 0.05
	done
	mountpoint -q "$MB/mnt"
	SOCK=$T/agent.sock
	start_agent "$MB/mnt" "$T/agent.log"
}

teardown() {
	[ -z "${AGENT_PID:-}" ] || stop_agent || true
	if [ -n "${FUSE_PID:-}" ]; then
		kill -TERM "$FUSE_PID" 2>/dev/null || true
		wait "$FUSE_PID" || true
	fi
	[ -z "${MB:-}" ] || { rmdir "$MB/mnt" && rmdir "$MB"; }
}

# owners PATHS...: "uid:gid" of each as the host sees them, the same ones once.
owners() {
	stat -c '%u:%g' "$@" | sort -u
}

@test "agent userns: the maps, root inside, setgroups allowed, runc's device binds and mqueue" {
	run --separate-stderr client run --userns "$UID0:$GID0" --mqueue -- sh -c '
		cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; cat /proc/self/setgroups
		stat -c "%n %u %g %t:%T" /dev/null /dev/zero; echo x >/dev/null && echo null-works
		stat -c "%n %u %g" /dev/mqueue'
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(tr -s ' ' <<<"${lines[0]}")" = " 0 $UID0 65536" ]
	[ "$(tr -s ' ' <<<"${lines[1]}")" = " 0 $GID0 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" = allow ]
	# nobody may mknod in a user namespace: the host's nodes, bound (runc's bindMountDeviceNode)
	[ "${lines[5]}" = "/dev/null 65534 65534 1:3" ]
	[ "${lines[6]}" = "/dev/zero 65534 65534 1:5" ]
	[ "${lines[7]}" = null-works ]
	# runc's order: the ipc namespace is made as the container's root, before its gid switch
	[ "${lines[8]}" = "/dev/mqueue 0 65534" ]
}

@test "agent userns: files made on the shares are the mapped ids' on the host, root has no power over unmapped ones" {
	run --separate-stderr client run --userns "$UID0:$GID0" --bind data:/data -- sh -c '
		touch /data/f /rootfs-file; mkdir /data/d; echo made >/data/tmp/x
		chown 1000:1001 /data/tmp/x
		echo x >>/data/rootfile || echo denied-write
		cat /data/secret || echo denied-read
		chown 0:0 /data/rootfile || echo denied-chown
		stat -c "%u %g" /data/rootfile'
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(owners "$T/data/f" "$T/data/d" "$T/rootfs/rootfs-file")" = "$UID0:$GID0" ]
	[ "$(owners "$T/data/tmp/x")" = "$((UID0 + 1000)):$((GID0 + 1001))" ]
	[ "$output" = $'denied-write\ndenied-read\ndenied-chown\n65534 65534' ]
	[ "$(cat "$T/data/rootfile")" = root ]
	[ "$(owners "$T/data/rootfile" "$T/data/secret")" = 0:0 ]
}

@test "agent userns: exec joins the init's user namespace and makes files as the mapped ids" {
	client create-only --userns "$UID0:$GID0" --bind data:/data -- sleep 100 >"$T/init.out" 2>&1 3>&- &
	for _ in $(seq 100); do
		[ -s "$T/init.out" ] && break
		sleep 0.05
	done
	client start
	run --separate-stderr client exec -- sh -c 'cat /proc/self/uid_map
		[ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same-userns
		id -u; id -g; touch /data/byexec'
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(tr -s ' ' <<<"${lines[0]}")" = " 0 $UID0 65536" ]
	[ "${lines[1]}" = same-userns ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
	[ "$(owners "$T/data/byexec")" = "$UID0:$GID0" ]
	run --separate-stderr client exec --uid 1000 --gid 1001 -- sh -c 'id -u; touch /data/tmp/by1000'
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
	[ "$(owners "$T/data/tmp/by1000")" = "$((UID0 + 1000)):$((GID0 + 1001))" ]
	# an id the namespace does not map cannot be taken
	run --separate-stderr client exec --uid 70000 -- id -u
	[ "$status" -eq 125 ]
	[ "$stderr" = "error 22: unable to setup user: cannot set uid to unmapped user in user namespace" ]
	client signal 9
}

@test "agent userns: without a network namespace of its own, /sys is the host's, bound with the mount's flags" {
	run --separate-stderr client run --userns "$UID0:$GID0" --no-netns -- sh -c '
		stat -c "%u %g" /sys; ls /sys/class >/dev/null && echo sys-listed
		grep -c " /sys ro," /proc/self/mountinfo; touch /sys/x || echo read-only'
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = $'65534 65534\nsys-listed\n1\nread-only' ]
}

@test "agent userns: a map the kernel refuses fails CREATE with runc's words, the next one works" {
	run --separate-stderr client run --userns "$UID0:$GID0" --uid-map 100:300000:10 -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" =~ ^error\ 22:\ failed\ to\ update\ /proc/[0-9]+/uid_map:\ invalid\ argument$ ]]
	run --separate-stderr client run --userns "$UID0:$GID0" -- echo again
	[ "$status" -eq 0 ]
	[ "$output" = again ]
}

@test "agent userns: rlimits above the agent's own hard limit (CAP_SYS_RESOURCE in the agent's namespace)" {
	# the guest's agent has every capability; a host shell may lack this one
	(($(grep CapEff /proc/self/status | awk '{print "0x" $2}') & (1 << 24))) ||
		skip "no CAP_SYS_RESOURCE here"
	local hard
	hard=$(($(ulimit -Hn) + 1))
	run --separate-stderr client run --userns "$UID0:$GID0" --rlimit-nofile "$hard" -- sh -c 'ulimit -Hn'
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$hard" ]
}
