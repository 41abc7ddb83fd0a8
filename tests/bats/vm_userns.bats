#!/usr/bin/env bats
# A user namespace (linux.namespaces "user" with uidMappings/gidMappings) in real microVMs:
# the mappings inside, files the container makes in its rootfs and in a bind mount owned by
# the mapped ids on the host (virtio-fs), root without power over unmapped ids' files, exec
# joining the same user namespace, rlimits above the guest's, and the kernel's refusal of a
# map. Where runc is installed, the same bundle runs under runc on the host and must give the
# same. The rootfs is chowned to the mapped root first, as Docker does with userns-remap.
# (agent_userns.bats tests the agent's side without a VM.)

bats_require_minimum_version 1.5.0

load vm_helpers

# the container's ids 0..65535 are the host's 100000.. (uids) and 200000.. (gids)
UID0=100000
GID0=200000
# above the guest's hard limit (4096), below the usual host one: runc can set it too
NOFILE=8192

setup_file() {
	container_setup_file
}

setup() {
	container_setup
	# runc needs the mapped root to reach the bundle (bats' tmpdir is 0700); incept does not:
	# the guest sees the shared directories, not their parents
	TOP=$(mktemp -d /tmp/incept-userns.XXXXXX) && chmod 755 "$TOP"
	B=$TOP/bundle
	DATA=$TOP/data
	RUNC_ROOT=$BATS_TEST_TMPDIR/runc
}

teardown() {
	containers_teardown
	runc --root "$RUNC_ROOT" delete -f ru1 >/dev/null 2>&1 || true
	rm -rf "$TOP"
}

# userns_bundle SCRIPT [ARGS...]: a busybox bundle running `sh /t.sh ARGS` (SCRIPT) in a user
# namespace, root writable, with the capabilities that would override file permissions
# without one; its rootfs the mapped root's; DATA (the mapped root's too, tmp/ 1777) bound on
# /data, holding the host root's rootfile (0644) and secret (0600).
userns_bundle() {
	local script=$1
	shift
	make_busybox_bundle "$B" sh /t.sh "$@"
	printf '%s\n' "$script" >"$B/rootfs/t.sh"
	bundle_set "$B" ".linux.namespaces += [{\"type\": \"user\"}] |
		.linux.uidMappings = [{\"containerID\": 0, \"hostID\": $UID0, \"size\": 65536}] |
		.linux.gidMappings = [{\"containerID\": 0, \"hostID\": $GID0, \"size\": 65536}] |
		.root.readonly = false |
		.process.capabilities |= with_entries(.value += [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\",
			\"CAP_DAC_READ_SEARCH\", \"CAP_FOWNER\"]) |
		.process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"hard\": $NOFILE, \"soft\": $NOFILE}] |
		.mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$DATA\",
			\"options\": [\"rbind\", \"rw\"]}]"
	chown -R -h "$UID0:$GID0" "$B/rootfs"
	mkdir -p "$DATA/tmp"
	chown "$UID0:$GID0" "$DATA"
	chmod 1777 "$DATA/tmp"
	echo root >"$DATA/rootfile"
	echo secret >"$DATA/secret"
	chmod 0600 "$DATA/secret"
}

# can_runc: runc is here and may set the bundle's rlimit (its hard limit or CAP_SYS_RESOURCE).
can_runc() {
	command -v runc >/dev/null || return 1
	[ "$(ulimit -Hn)" -ge "$NOFILE" ] ||
		(($(awk '/^CapEff/ { print "0x" $2 }' /proc/self/status) & (1 << 24)))
}

# runc_ ARGS...: runc on the host with its own root.
runc_() {
	runc --root "$RUNC_ROOT" "$@" 3>&-
}

# owners PATHS...: "uid:gid" of each as the host sees them, the same ones once.
owners() {
	stat -c '%u:%g' "$@" | sort -u
}

@test "userns: uid_map and gid_map show the mapping, id is 0, limits above the guest's" {
	userns_bundle 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g
		cat /proc/self/setgroups; ulimit -Hn
		stat -c "%n %u %g" / /dev/mqueue /dev/null /proc /sys'
	run --separate-stderr ic run -b "$B" u1 </dev/null
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	local want
	want=$(printf '%s\n' "         0     $UID0      65536" "         0     $GID0      65536" 0 0 \
		allow "$NOFILE" "/ 0 0" "/dev/mqueue 0 65534" "/dev/null 65534 65534" \
		"/proc 65534 65534" "/sys 65534 65534")
	# setgroups: runc writes deny only for rootless containers; the limit: the guest's hard
	# one is 4096, raised by the agent; mqueue's root is made before the gid switch, as under
	# runc; the guest's own root is nobody in here
	[ "$output" = "$want" ]
	nothing_left
	if can_runc; then
		run --separate-stderr runc_ run -b "$B" ru1 </dev/null
		echo "runc: $output$stderr"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	fi
}

@test "userns: files made in the rootfs and a bind mount are the mapped ids' on the host" {
	userns_bundle 'P=$1
		touch /data/$P-f /$P-rootfs-file; mkdir /data/$P-d; echo made >/data/tmp/$P-x
		chown 1000:1001 /data/tmp/$P-x
		echo x >>/data/rootfile || echo denied-write
		cat /data/secret || echo denied-read
		chown 0:0 /data/rootfile || echo denied-chown
		stat -c "%u %g" /data/rootfile' inc
	run --separate-stderr ic run -b "$B" u1 </dev/null
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(owners "$DATA/inc-f" "$DATA/inc-d" "$B/rootfs/inc-rootfs-file")" = "$UID0:$GID0" ]
	# chown inside maps too: 1000:1001 is the host's 101000:201001
	[ "$(owners "$DATA/tmp/inc-x")" = "$((UID0 + 1000)):$((GID0 + 1001))" ]
	# the host's root is unmapped: CAP_DAC_OVERRIDE, CAP_CHOWN do not reach its files
	[ "$output" = $'denied-write\ndenied-read\ndenied-chown\n65534 65534' ]
	[ "$(cat "$DATA/rootfile")" = root ]
	[ "$(owners "$DATA/rootfile" "$DATA/secret")" = 0:0 ]
	nothing_left
	if can_runc; then
		bundle_set "$B" '.process.args[-1] = "runc"'
		run --separate-stderr runc_ run -b "$B" ru1 </dev/null
		echo "runc: $output$stderr"
		[ "$output" = $'denied-write\ndenied-read\ndenied-chown\n65534 65534' ]
		[ "$(owners "$DATA/runc-f" "$DATA/runc-d" "$B/rootfs/runc-rootfs-file")" = "$UID0:$GID0" ]
		[ "$(owners "$DATA/tmp/runc-x")" = "$((UID0 + 1000)):$((GID0 + 1001))" ]
	fi
}

# exec_checks RUNTIME ID: the same exec's in either runtime, and what the host sees of them.
exec_checks() {
	local rt=$1 id=$2
	run --separate-stderr "$rt" exec "$id" sh -c 'cat /proc/self/uid_map /proc/self/gid_map
		[ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same-userns
		id -u; ulimit -Hn; touch /data/byexec-'"$rt"
	echo "$rt: $output$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "         0     $UID0      65536" \
		"         0     $GID0      65536" same-userns 0 "$NOFILE")" ]
	[ "$(owners "$DATA/byexec-$rt")" = "$UID0:$GID0" ]
	run --separate-stderr "$rt" exec -u 1000:1001 "$id" sh -c "id -u; touch /data/tmp/by1000-$rt"
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
	[ "$(owners "$DATA/tmp/by1000-$rt")" = "$((UID0 + 1000)):$((GID0 + 1001))" ]
	# an id the namespace does not map cannot be taken (runc's words)
	run --separate-stderr "$rt" exec -u 70000 "$id" id -u
	echo "$rt: $output$stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"unable to setup user: cannot set uid to unmapped user in user namespace"* ]]
}

@test "userns: exec joins the container's user namespace and makes files as the mapped ids" {
	userns_bundle 'exec sleep 1000'
	ic run -d -b "$B" u1 </dev/null >"$OUT.init" 2>&1
	exec_checks ic u1
	if can_runc; then
		runc_ run -d -b "$B" ru1 </dev/null >"$OUT.runc" 2>&1
		exec_checks runc_ ru1
	fi
}

@test "userns: a map the kernel refuses (overlapping ranges) fails create, nothing is left" {
	userns_bundle true
	bundle_set "$B" '.linux.uidMappings += [{"containerID": 100, "hostID": 300000, "size": 10}]'
	run --separate-stderr ic run -b "$B" u1 </dev/null
	echo "$output$stderr"
	[ "$status" -ne 0 ]
	# runc: "nsexec-0[PID]: failed to update /proc/PID/uid_map: Invalid argument"
	[[ "$stderr" =~ failed\ to\ update\ /proc/[0-9]+/uid_map:\ invalid\ argument ]]
	nothing_left
}
