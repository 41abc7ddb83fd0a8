#!/usr/bin/env bats
# incept create / run: runc's flags and every check that needs no VMM; then a clear
# "not implemented yet" and nothing left behind.

load helpers

setup() {
	incept_setup
	B=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$B/rootfs"
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
	[[ "$stderr" == *'msg="incept create failed: create: not implemented yet (needs the VMM)"'* ]]
	root_is_empty
	run incept state c1
	[ "$status" -eq 1 ]
}

@test "create: the bundle defaults to the cwd and may be relative" {
	cd "$B"
	run --separate-stderr incept create c1
	[[ "$stderr" == *'not implemented yet'* ]]
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr incept create -b bundle c1
	[[ "$stderr" == *'not implemented yet'* ]]
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
	rmdir "$B/rootfs"
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
	mkdir "$BATS_TEST_TMPDIR/abs"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'not implemented yet'* ]]
}

@test "create: terminal and --console-socket must agree (runc's checkTerminal)" {
	jq '.process.terminal = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	run --separate-stderr incept create -b "$B" c1
	[[ "$stderr" == *'cannot allocate tty if incept will detach without setting console socket'* ]]
	run --separate-stderr incept create -b "$B" --console-socket "$BATS_TEST_TMPDIR/s" c1
	[[ "$stderr" == *'not implemented yet'* ]]
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
		--no-pivot --no-new-keyring --preserve-fds 2 c1
	[[ "$stderr" == *'not implemented yet'* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pid" ]
	run --separate-stderr incept create --detach -b "$B" c1
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage: flag provided but not defined: -detach" ]
	run --separate-stderr incept create --preserve-fds abc c1
	[[ "$stderr" == *'invalid value \"abc\" for flag -preserve-fds: parse error'* ]]
	run --separate-stderr incept create
	[[ "$stderr" == *'"create\" requires exactly 1 argument(s)'* ]]
	# flags after the id work, as with runc (go-runc puts the id last, others may not)
	run --separate-stderr incept create c1 --bundle "$B"
	[[ "$stderr" == *'not implemented yet'* ]]
	root_is_empty
}

@test "run: the same checks as create, with its own flags and detach rules" {
	run --separate-stderr incept run -b "$B" r1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="incept run failed: run: not implemented yet (needs the VMM)"'* ]]
	run --separate-stderr incept run -d --keep --no-subreaper -b "$B" r1
	[[ "$stderr" == *'incept run failed: run: not implemented yet'* ]]
	jq '.process.terminal = true' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	# in the foreground a terminal needs no console socket ...
	run --separate-stderr incept run -b "$B" r1
	[[ "$stderr" == *'not implemented yet'* ]]
	# ... detached it does
	run --separate-stderr incept run -d -b "$B" r1
	[[ "$stderr" == *'cannot allocate tty if incept will detach without setting console socket'* ]]
	rm "$B/config.json"
	run --separate-stderr incept run -b "$B" r1
	[[ "$stderr" == *'incept run failed: JSON specification file'*'not found'* ]]
	root_is_empty
}
