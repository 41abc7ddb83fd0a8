#!/usr/bin/env bats
# incept --version / -v

load helpers

setup() {
	incept_setup
}

@test "version: runc's shape, three lines" {
	run --separate-stderr "$INCEPT" --version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "incept version $(cat "$BATS_TEST_DIRNAME/../../VERSION")" ]
	[[ "${lines[1]}" =~ ^commit:\ [0-9a-f]{7,40}$|^commit:\ unknown$ ]]
	[ "${lines[2]}" = "spec: 1.1.0" ]
}

@test "version: -v, --version=true and with other global flags" {
	run "$INCEPT" --version
	local want=$output
	run "$INCEPT" -v
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	run "$INCEPT" --version=true
	[ "$output" = "$want" ]
	run "$INCEPT" --root /nonexistent --debug -v list
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "version: same line structure as runc's (minus go and libseccomp)" {
	command -v runc >/dev/null || skip "runc is not installed"
	run runc --version
	[[ "${lines[0]}" == "runc version "* ]]
	[[ "${lines[1]}" == "commit: "* ]]
	[[ "${lines[2]}" == "spec: "* ]]
	run "$INCEPT" --version
	[[ "${lines[0]}" == "incept version "* ]]
	[[ "${lines[1]}" == "commit: "* ]]
	[[ "${lines[2]}" == "spec: "* ]]
}

@test "version: the commit is the build's" {
	git -C "$BATS_TEST_DIRNAME/../.." rev-parse HEAD >/dev/null 2>&1 || skip "not a git checkout"
	run "$INCEPT" --version
	local c=${lines[1]#commit: }
	[ "$c" = unknown ] || git -C "$BATS_TEST_DIRNAME/../.." cat-file -e "$c^{commit}"
}
