#!/usr/bin/env bats
# `incept prepare`: builds the snapshot containers start from, reads the runtime config
# ($INCEPT_CONFIG), and --prune removes snapshots from other inputs and interrupted builds, and
# cached guest kernels other than the one in use.

bats_require_minimum_version 1.5.0

load vm_helpers

setup_file() {
	export INCEPT="$BIN/incept"
	vm_setup_file
}

setup() {
	export SNAPS="$BATS_FILE_TMPDIR/snaps"
	export INCEPT_CONFIG="$BATS_TEST_TMPDIR/config.json"
	cat >"$INCEPT_CONFIG" <<JSON
{
	"vmm": "$(readlink -f "$BIN/incept-vmm")",
	"kernel": "$(readlink -f "$ART/vmlinux")",
	"initrd": "$(readlink -f "$ART/initrd.cpio")",
	"vcpus": 1,
	"memory_mib": 128,
	"snapshot_dir": "$SNAPS",
	"log_level": "info"
}
JSON
}

@test "prepare: builds the snapshot once, with a progress line, then reuses it" {
	need_boot
	run --separate-stderr "$INCEPT" prepare
	echo "$output" "$stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "snapshot ready: $SNAPS/"* ]]
	[[ "$stderr" == *"booting the guest once to build its snapshot"* ]]
	dir=${output#snapshot ready: }
	[ -s "$dir/state" ] && [ -s "$dir/memory" ]
	run --separate-stderr "$INCEPT" prepare
	[ "$status" -eq 0 ]
	[ "$output" = "snapshot ready: $dir" ]
	[[ "$stderr" != *"booting the guest"* ]]
}

@test "prepare --prune: removes snapshots of other inputs and dead builds, keeps the current" {
	need_boot
	run --separate-stderr "$INCEPT" prepare
	[ "$status" -eq 0 ]
	current=${output#snapshot ready: }
	# A snapshot of another kernel, a build whose process is gone, and an orphaned lock.
	mkdir -p "$SNAPS/00000000deadbeef" "$SNAPS/1111111111111111.tmp-999999999"
	sed 's/^kernel: .*/kernel: build-id 00 size 1/' "$current/meta" >"$SNAPS/00000000deadbeef/meta"
	: >"$SNAPS/2222222222222222.lock"
	# A kernel cache with the kernel in use, an old one and a build in progress.
	export INCEPT_CACHE=$BATS_TEST_TMPDIR/cache
	mkdir -p "$INCEPT_CACHE"/kernel/{inuse,old,tmp.1.x}
	cp "$ART/vmlinux" "$INCEPT_CACHE"/kernel/inuse/vmlinux
	echo old >"$INCEPT_CACHE"/kernel/old/vmlinux
	# A snapshot of another shape from the same inputs is current too.
	mkdir -p "$SNAPS/3333333333333333"
	sed 's/^vcpus: .*/vcpus: 4/' "$current/meta" >"$SNAPS/3333333333333333/meta"
	run --separate-stderr "$INCEPT" prepare --prune
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$SNAPS/00000000deadbeef" ]
	[ ! -e "$SNAPS/1111111111111111.tmp-999999999" ]
	[ ! -e "$SNAPS/2222222222222222.lock" ]
	[ -d "$SNAPS/3333333333333333" ]
	[ -s "$current/state" ]
	[[ "$output" == *"pruned 2 snapshot(s)"* ]]
	[[ "$output" == *"pruned 1 cached kernel(s)"* ]]
	[ -f "$INCEPT_CACHE"/kernel/inuse/vmlinux ]
	[ ! -e "$INCEPT_CACHE"/kernel/old ]
	[ -d "$INCEPT_CACHE"/kernel/tmp.1.x ]
}

@test "prepare: runtime config errors name the file and the key" {
	echo '{"vcpus": "two"}' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *"$INCEPT_CONFIG: vcpus: must be an integer"* ]]
	echo '{"kernal": "/x"}' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown key \"kernal\"'* ]]
	echo '{"kernel": "vmlinux"}' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *"kernel: must be an absolute path"* ]]
	echo '{"memory_mib": 8}' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *"memory_mib: must be 64..1048576, got 8"* ]]
	echo '{' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid JSON"* ]]
}

@test "prepare: a missing VMM or bad shape is one clear error" {
	echo '{"vmm": "/nonexistent/incept-vmm", "snapshot_dir": "'"$SNAPS"'"}' >"$INCEPT_CONFIG"
	run "$INCEPT" prepare
	[ "$status" -eq 1 ]
	[[ "$output" == *"VMM /nonexistent/incept-vmm: no such file or directory"* ]]
	run "$INCEPT" prepare --vcpus 99
	[ "$status" -eq 1 ]
	[[ "$output" == *"--vcpus: want 1..32, got 99"* ]]
	run "$INCEPT" prepare extra
	[ "$status" -eq 1 ]
}

@test "prepare: the example config is valid once installed paths are filled in" {
	sed "s#@LIBDIR@#/usr/local/lib/incept#g" "$BATS_TEST_DIRNAME/../../config.example.json" \
		>"$INCEPT_CONFIG"
	# Parsing succeeds; the run then fails only because nothing is installed there.
	run "$INCEPT" prepare
	[[ "$output" != *"$INCEPT_CONFIG"* ]]
}
