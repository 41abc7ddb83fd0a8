#!/usr/bin/env bats
# incept create / run: runc's flags and every check that needs no VMM. The runtime config
# names a VMM that does not exist, so a bundle that passes every check fails right where the
# VMM would start, and must leave nothing behind. (vm_create.bats and vm_run.bats start VMs.)

load helpers

NOVMM='VMM /nonexistent/incept-vmm: no such file or directory'

setup() {
	incept_setup
	export INCEPT_CONFIG=$BATS_TEST_TMPDIR/incept.json
	echo '{"vmm": "/nonexistent/incept-vmm"}' >"$INCEPT_CONFIG"
	B=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$B/rootfs/bin"
	cp /bin/busybox "$B/rootfs/bin/sleep"
	# a minimal valid config: what create checks before it would start a VMM
	cat >"$B/config.json" <<-'EOF2'
		{"ociVersion": "1.1.0", "root": {"path": "rootfs"},
		 "process": {"terminal": false, "cwd": "/", "args": ["sleep", "1000"]}}
	EOF2
}

set_config() {
	echo "$1" >"$B/config.json"
}

@test "create: a valid bundle gets as far as the VMM, and leaves no state" {
	run --separate-stderr incept create --bundle "$B" c1
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"msg=\"incept create failed: $NOVMM\""* ]]
	root_is_empty
	run incept state c1
	[ "$status" -eq 1 ]
}

@test "create: the bundle defaults to the cwd and may be relative" {
	cd "$B"
	run --separate-stderr incept create c1
	[[ "$stderr" == *"$NOVMM"* ]]
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr incept create -b bundle c1
	[[ "$stderr" == *"$NOVMM"* ]]
	cd /
	run --separate-stderr incept create -b bundle c1
	[[ "$stderr" == *'msg="incept create failed: chdir bundle: no such file or directory"'* ]]
}

@test "create: a missing or broken config.json gives the parser's error" {
	rm "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"msg=\"incept create failed: JSON specification file $B/config.json not found\""* ]]
	set_config '{"ociVersion": "1.1.0", "root": '
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'incept create failed: config.json: '*'JSON'* ]]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'incept create failed: config.json: process: is required'* ]]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "rel", "args": ["a"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'process.cwd: must be an absolute path'* ]]
	root_is_empty
}

@test "create: the rootfs must exist and be a directory" {
	rm -rf "$B/rootfs"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"msg=\"incept create failed: invalid rootfs: stat $B/rootfs: no such file or directory\""* ]]
	touch "$B/rootfs"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"invalid rootfs: $B/rootfs: not a directory"* ]]
	# an absolute root.path is used as it is
	set_config "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"$BATS_TEST_TMPDIR/abs\"}, \"process\": {\"cwd\": \"/\", \"args\": [\"a\"]}}"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"invalid rootfs: stat $BATS_TEST_TMPDIR/abs: no such file"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/abs/bin"
	cp /bin/busybox "$BATS_TEST_TMPDIR/abs/bin/a"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
}

@test "create: terminal and --console-socket must agree (runc's checkTerminal)" {
	jq '.process.terminal = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'cannot allocate tty if incept will detach without setting console socket'* ]]
	# the pty master is sent before the VMM starts: a socket nobody listens on fails create
	run --separate-stderr incept create -b "$B" --console-socket "$BATS_TEST_TMPDIR/s" c1
	[[ "$stderr" == *"incept create failed: dial unix $BATS_TEST_TMPDIR/s: no such file or directory"* ]]
	root_is_empty
	jq '.process.terminal = false' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" --console-socket "$BATS_TEST_TMPDIR/s" c1
	[[ "$stderr" == *'cannot use console socket if incept will not detach or allocate tty'* ]]
}

@test "create: an id in use is runc's error; an invalid id is refused first" {
	make_state c1 stopped 0
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="incept create failed: container with given ID already exists"'* ]]
	[ -e "$ROOT/c1/state.json" ]
	rm "$B/config.json"
	run --separate-stderr incept create -b "$B" 'a/b'
	[[ "$stderr" == *'incept create failed: invalid container ID format'* ]]
}

@test "create: runc's flags are accepted, others rejected" {
	run --separate-stderr incept create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" \
		--no-pivot --no-new-keyring --preserve-fds 0 c1
	[[ "$stderr" == *"$NOVMM"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pid" ]
	# the fds are the host's: a VM cannot get them, and says so instead of dropping them
	run --separate-stderr incept create --bundle "$B" --preserve-fds 2 c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'--preserve-fds 2: host file descriptors cannot be passed into the container'* ]]
	run --separate-stderr incept create --detach -b "$B" c1
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -detach" ]
	run --separate-stderr incept create --preserve-fds abc c1
	[[ "$stderr" == *'invalid value \"abc\" for flag -preserve-fds: parse error'* ]]
	run --separate-stderr incept create
	[[ "$stderr" == *'"create\" requires exactly 1 argument(s)'* ]]
	# flags after the id work, as with runc (go-runc puts the id last, others may not)
	run --separate-stderr incept create c1 --bundle "$B"
	[[ "$stderr" == *"$NOVMM"* ]]
	root_is_empty
}

@test "run: the same checks as create, with its own flags and detach rules" {
	run --separate-stderr incept run -b "$B" r1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"msg=\"incept run failed: $NOVMM\""* ]]
	run --separate-stderr incept run -d --keep --no-subreaper -b "$B" r1
	[[ "$stderr" == *"incept run failed: $NOVMM"* ]]
	jq '.process.terminal = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	# in the foreground a terminal needs no console socket ...
	run --separate-stderr incept run -b "$B" r1
	[[ "$stderr" == *"$NOVMM"* ]]
	# ... detached it does
	run --separate-stderr incept run -d -b "$B" r1
	[[ "$stderr" == *'cannot allocate tty if incept will detach without setting console socket'* ]]
	rm "$B/config.json"
	run --separate-stderr incept run -b "$B" r1
	[[ "$stderr" == *'incept run failed: JSON specification file'*'not found'* ]]
	root_is_empty
}

@test "create: process.args[0] is looked up in the rootfs with runc's messages" {
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["nosuch"]}}'
	run --separate-stderr incept create -b "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="incept create failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH"'* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pid" ]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["/nosuch"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'exec: \"/nosuch\": stat /nosuch: no such file or directory'* ]]
	# a directory or a file without an x bit is no executable
	mkdir "$B/rootfs/dir"
	touch "$B/rootfs/bin/plain"
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["/dir"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'exec: \"/dir\": permission denied'* ]]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["plain"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'exec: \"plain\": executable file not found in $PATH'* ]]
	root_is_empty
}

@test "create: args[0] resolves inside the rootfs only (PATH from env, absolute symlinks)" {
	# an absolute symlink means the rootfs's /usr/bin/busybox, not the host's
	mkdir -p "$B/rootfs/usr/bin" "$B/rootfs/opt"
	ln -s /usr/bin/busybox "$B/rootfs/bin/sh"
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["sh"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'exec: \"sh\": executable file not found in $PATH'* ]]
	cp /bin/busybox "$B/rootfs/usr/bin/busybox"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	# PATH comes from process.env; relative args resolve against process.cwd
	cp /bin/busybox "$B/rootfs/opt/tool"
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["tool"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'exec: \"tool\": executable file not found in $PATH'* ]]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "env": ["PATH=/opt"], "args": ["tool"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/opt", "args": ["./tool"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	# ".." cannot climb out of the rootfs
	set_config '{"ociVersion": "1.1.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["../../../../../../bin/busybox"]}}'
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'stat ../../../../../../bin/busybox: no such file or directory'* ]]
	root_is_empty
}

@test "create: namespaces, cgroupsPath and io.incept annotations are checked first" {
	jq '.linux.namespaces = [{"type": "pid"}, {"type": "ipc", "path": "/proc/1/ns/ipc"}]' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'ipc namespace path /proc/1/ns/ipc: joining an existing namespace is not supported (pods not designed yet)'* ]]
	# a network namespace path is joined by the VMM on the host: it must open
	jq '.linux.namespaces = [{"type": "network", "path": "/nonexistent/netns"}]' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'open network namespace /nonexistent/netns: no such file or directory'* ]]
	jq '.linux.namespaces = [{"type": "network", "path": "/proc/self/ns/net"}]' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	# a time namespace is refused, not left out (runc 1.1 refuses it too)
	jq '.linux.namespaces = [{"type": "time"}]' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'time namespace: not supported by incept yet'* ]]
	jq 'del(.linux.namespaces)' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	jq '.linux.cgroupsPath = "system.slice:incept:c1"' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	# without --systemd-cgroup a path, as runc reads it (systemd_cgroup.bats has the rest)
	[[ "$stderr" == *"$NOVMM"* ]]
	jq 'del(.linux.cgroupsPath) | .annotations = {"io.incept.vcpus": "99"}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'annotation io.incept.vcpus: want 1..32, got \"99\"'* ]]
	jq '.annotations = {"io.incept.memory_mib": "12"}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'annotation io.incept.memory_mib: want 64..1048576'* ]]
	jq '.annotations = {"io.incept.snapshot": "maybe"}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'annotation io.incept.snapshot: want true or false'* ]]
	jq '.annotations = {"io.incept.snapshot": "false", "io.incept.vcpus": "2"}' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" --no-snapshot c1
	[[ "$stderr" == *"$NOVMM"* ]]
	root_is_empty
}

@test "create: user namespaces: mappings need one, it must map root, it cannot be joined" {
	local maps='.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	jq "$maps" "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'linux.uidMappings: user namespace mappings specified, but no user namespace is configured'* ]]
	# runc's messages (HostRootUID, HostRootGID)
	jq '.linux.namespaces = [{"type": "user"}] |
		.linux.uidMappings[0].containerID = 1' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'User namespaces enabled, but no user mapping found.'* ]]
	jq '.linux.uidMappings[0].containerID = 0 |
		.linux.gidMappings[0].containerID = 5' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'User namespaces enabled, but no group mapping found.'* ]]
	# a valid one gets as far as the VMM
	jq '.linux.gidMappings[0].containerID = 0' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	jq '.linux.namespaces = [{"type": "user", "path": "/proc/1/ns/user"}] |
		del(.linux.uidMappings, .linux.gidMappings)' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'user namespace path /proc/1/ns/user: joining an existing namespace is not supported (pods not designed yet)'* ]]
	root_is_empty
}

@test "create: a bind mount's source must exist" {
	jq '.mounts = [{"destination": "/data", "type": "bind", "source": "nosuch", "options": ["rbind"]}]' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"error mounting \\\"nosuch\\\" to rootfs at \\\"/data\\\": stat $B/nosuch: no such file or directory"* ]]
	mkdir "$B/nosuch"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	root_is_empty
}

@test "create: a seccomp profile is compiled once per root (#seccomp), and list ignores the cache" {
	jq '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	run --separate-stderr incept --debug create -b "$B" c1
	[[ "$stderr" == *"$NOVMM"* ]]
	[[ "$stderr" != *"the compiled program from"* ]]
	[ "$(ls "$ROOT/#seccomp" | wc -l)" -eq 1 ]
	run --separate-stderr incept --debug create -b "$B" c1
	[[ "$stderr" == *"seccomp: the compiled program from $ROOT/#seccomp/"* ]]
	[[ "$stderr" == *"$NOVMM"* ]]
	# another profile, another entry; the cache is no container
	jq '.linux.seccomp.syscalls[0].errnoRet = 2' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept --debug create -b "$B" c1
	[[ "$stderr" != *"the compiled program from"* ]]
	[ "$(ls "$ROOT/#seccomp" | wc -l)" -eq 2 ]
	run incept list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	root_is_empty
}
