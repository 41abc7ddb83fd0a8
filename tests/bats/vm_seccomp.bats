#!/usr/bin/env bats
# linux.seccomp enforced in the guest (runtime/seccomp.c compiles it on the host, the agent
# installs it before execve): errnoRet, SCMP_ACT_KILL, a Docker-default-like profile, and
# exec'd processes under the filter create stored.
# Few tests on purpose: each is a microVM restore (~5-10 s on PVM).

bats_require_minimum_version 1.5.0

load vm_helpers
container_test_file

# with_seccomp JSON: config.json's linux.seccomp set to JSON
with_seccomp() {
	jq --argjson s "$1" '.linux.seccomp = $s' "$B/config.json" >"$B/c.json"
	mv "$B/c.json" "$B/config.json"
}

@test "seccomp: mkdir fails with EPERM (errnoRet), SCMP_ACT_KILL kills with SIGSYS (159)" {
	make_busybox_bundle "$B" sh -c 'mkdir /x; echo "mkdir=$?"; exec chroot / /bin/true'
	with_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
			{"names": ["chroot"], "action": "SCMP_ACT_KILL"}]}'
	run --separate-stderr ic run -b "$B" s1 </dev/null
	[ "$output" = "mkdir=1" ]
	[[ "$stderr" == *"can't create directory '/x': Operation not permitted"* ]]
	[ "$status" -eq 159 ]
	[ ! -e "$B/rootfs/x" ]
	nothing_left
}

@test "seccomp: a Docker-default-like profile still runs echo hi; mount is refused" {
	local fixture=$BATS_TEST_DIRNAME/../unit/data/oci/docker-seccomp-default.json
	make_busybox_bundle "$B" sh -c 'echo hi; mount -t tmpfs none /mnt; echo "mount=$?"'
	# CAP_SYS_ADMIN, so only the profile (Docker's without it) can refuse mount
	bundle_set "$B" '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	with_seccomp "$(jq -c .linux.seccomp "$fixture")"
	run --separate-stderr ic run -b "$B" s2 </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hi ]
	[[ "${lines[1]}" == mount=* && "${lines[1]}" != mount=0 ]]
	# busybox's words for EPERM from mount(2)
	[[ "$stderr" == *"permission denied"* ]]
	nothing_left
}

@test "seccomp: exec'd processes get the container's filter, stored once at create" {
	make_busybox_bundle "$B" sleep 1000
	bundle_set "$B" '.root.readonly = false' # the exec writes /t
	with_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	ic run -d -b "$B" s4 </dev/null >"$OUT" 2>&1
	# create compiled it; exec reads this instead of compiling config.json again
	[ -s "$CROOT/s4/seccomp.bpf" ]
	# touch is allowed (exec itself works), mkdir is what the profile refuses
	run --separate-stderr ic exec s4 sh -c 'touch /t && echo touch=0; mkdir /x; echo "mkdir=$?"'
	printf 'stdout: %s\nstderr: %s\n' "$output" "$stderr" # shown when a check fails
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = touch=0 ]
	[ "${lines[1]}" = mkdir=1 ]
	[[ "$stderr" == *"can't create directory '/x': Operation not permitted"* ]]
	# containerd's form: -p process.json
	echo '{"args": ["mkdir", "/y"], "cwd": "/", "env": ["PATH=/bin"]}' >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr ic exec -p "$BATS_TEST_TMPDIR/p.json" s4 </dev/null
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Operation not permitted"* ]]
	[ -e "$B/rootfs/t" ] && [ ! -e "$B/rootfs/x" ] && [ ! -e "$B/rootfs/y" ]
	ic delete --force s4
	nothing_left
}

@test "seccomp: SCMP_ACT_NOTIFY is refused at create with a clear message" {
	make_busybox_bundle "$B" true
	with_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run --separate-stderr ic create -b "$B" s3 </dev/null
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"seccomp notify is not supported by incept"* ]]
	nothing_left
}
