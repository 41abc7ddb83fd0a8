#!/usr/bin/env bats
# incept spec [--bundle DIR] [--rootless]

load helpers

setup() {
	incept_setup
	mkdir -p "$BATS_TEST_TMPDIR/i" "$BATS_TEST_TMPDIR/r"
}

# runc's and our config.json may differ only in ociVersion and hostname.
same_as_runc() {
	diff <(grep -v -e '"ociVersion"' -e '"hostname"' "$1") \
		<(grep -v -e '"ociVersion"' -e '"hostname"' "$2")
}

@test "spec: writes config.json in the current directory, as runc's" {
	command -v runc >/dev/null || skip "runc is not installed"
	cd "$BATS_TEST_TMPDIR/i"
	run --separate-stderr incept spec
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	(cd "$BATS_TEST_TMPDIR/r" && runc spec)
	same_as_runc "$BATS_TEST_TMPDIR/r/config.json" "$BATS_TEST_TMPDIR/i/config.json"
	[ "$(jq -r .ociVersion config.json)" = 1.1.0 ]
	# runc writes it with mode 0666 & ~umask
	[ "$(stat -c %a config.json)" = "$(stat -c %a "$BATS_TEST_TMPDIR/r/config.json")" ]
}

@test "spec --rootless and -b DIR, as runc's" {
	command -v runc >/dev/null || skip "runc is not installed"
	run --separate-stderr incept spec --rootless -b "$BATS_TEST_TMPDIR/i"
	[ "$status" -eq 0 ]
	runc spec --rootless --bundle "$BATS_TEST_TMPDIR/r"
	same_as_runc "$BATS_TEST_TMPDIR/r/config.json" "$BATS_TEST_TMPDIR/i/config.json"
	[ "$(jq '.linux.uidMappings | length' "$BATS_TEST_TMPDIR/i/config.json")" = 1 ]
}

@test "spec: the generated file is one incept itself accepts" {
	incept spec --bundle "$BATS_TEST_TMPDIR/i"
	mkdir -p "$BATS_TEST_TMPDIR/i/rootfs/bin"
	cp /bin/busybox "$BATS_TEST_TMPDIR/i/rootfs/bin/sh"
	# create parses and validates it, finds args[0] ("sh") in the rootfs and gets as far as
	# the console socket, which is sent before any VMM starts
	run --separate-stderr incept create --bundle "$BATS_TEST_TMPDIR/i" --console-socket /x/s c1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'incept create failed: dial unix /x/s: no such file or directory'* ]]
	root_is_empty
}

@test "spec: never overwrites an existing config.json" {
	cd "$BATS_TEST_TMPDIR/i"
	echo '{"mine": true}' >config.json
	run --separate-stderr incept spec
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'msg="File config.json exists. Remove it first"'* ]]
	[ "$(cat config.json)" = '{"mine": true}' ]
	# a dangling symlink named config.json is not followed either
	rm config.json
	ln -s "$BATS_TEST_TMPDIR/elsewhere" config.json
	run --separate-stderr incept spec
	[ "$status" -eq 1 ]
	[ ! -e "$BATS_TEST_TMPDIR/elsewhere" ]
}

@test "spec: a missing bundle directory is runc's chdir error" {
	run --separate-stderr incept spec -b "$BATS_TEST_TMPDIR/nope"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"msg=\"chdir $BATS_TEST_TMPDIR/nope: no such file or directory\""* ]]
}

@test "spec: takes no arguments" {
	cd "$BATS_TEST_TMPDIR/i"
	run --separate-stderr incept spec extra
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "Incorrect Usage." ]
	[[ "$stderr" == *'"spec\" requires exactly 0 argument(s)'* ]]
	[ ! -e config.json ]
	run --separate-stderr incept spec --rootless=maybe
	[ "$status" -eq 1 ]
	[ ! -e config.json ]
}
