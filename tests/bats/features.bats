#!/usr/bin/env bats
# incept features: runtime-spec's features document, honest about what works today.

load helpers

setup() {
	incept_setup
}

@test "features: valid JSON with runc's top-level layout and four-space indent" {
	run --separate-stderr incept features
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	jq -e . <<<"$output" >/dev/null
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" = \
		ociVersionMin,ociVersionMax,hooks,mountOptions,linux,annotations ]
	[ "${lines[1]}" = '    "ociVersionMin": "1.0.0",' ]
	[ "${lines[2]}" = '    "ociVersionMax": "1.1.0",' ]
	[ "$(jq -r '.linux | keys_unsorted | join(",")' <<<"$output")" = \
		namespaces,capabilities,cgroup,seccomp,apparmor,selinux ]
}

@test "features: what runs end to end, in runc's vocabulary" {
	run incept features
	[ "$(jq -c .hooks <<<"$output")" = \
		'["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' ]
	[ "$(jq -c .linux.namespaces <<<"$output")" = '["cgroup","ipc","mount","network","pid","user","uts"]' ]
	[ "$(jq -c .linux.cgroup <<<"$output")" = '{"v1":false,"v2":true,"systemd":true,"systemdUser":false}' ]
	[ "$(jq -c '[.linux.apparmor.enabled, .linux.selinux.enabled]' <<<"$output")" = \
		'[false,false]' ]
	# rro and the other recursive attributes count: runtime/proto_spec.c applies them
	[ "$(jq -c '.mountOptions | index("rro") != null' <<<"$output")" = true ]
	[ "$(jq -c '.mountOptions | index("tmpcopyup")' <<<"$output")" = null ]
}

@test "features: capabilities and mount options are runc's (less acl, noacl, tmpcopyup)" {
	command -v runc >/dev/null || skip "needs runc"
	run incept features
	local ours=$output
	run runc features
	[ "$(jq -c .linux.capabilities <<<"$ours")" = "$(jq -c .linux.capabilities <<<"$output")" ]
	[ "$(jq -c .mountOptions <<<"$ours")" = \
		"$(jq -c '.mountOptions - ["acl","noacl","tmpcopyup"]' <<<"$output")" ]
}

@test "features: seccomp lists what the filter compiler and the agent support" {
	run incept features
	[ "$(jq -c .linux.seccomp.enabled <<<"$output")" = true ]
	# SCMP_ACT_NOTIFY is refused at create, so it is not claimed
	[ "$(jq -c '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' <<<"$output")" = null ]
	[ "$(jq -c '.linux.seccomp.actions | index("SCMP_ACT_ERRNO") >= 0' <<<"$output")" = true ]
	[ "$(jq -c '.linux.seccomp.operators | length' <<<"$output")" = 7 ]
	[ "$(jq -c '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") >= 0' <<<"$output")" = true ]
	[ "$(jq -c '.linux.seccomp.supportedFlags' <<<"$output")" = \
		'["SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_LOG"]' ]
	# every action, operator and arch runc lists is ours too, but NOTIFY
	command -v runc >/dev/null || return 0
	runc features >"$BATS_TEST_TMPDIR/runc.json"
	[ "$(jq -c --slurpfile r "$BATS_TEST_TMPDIR/runc.json" \
		'[($r[0].linux.seccomp.actions - ["SCMP_ACT_NOTIFY"]) - .linux.seccomp.actions,
		  $r[0].linux.seccomp.operators - .linux.seccomp.operators,
		  $r[0].linux.seccomp.archs - .linux.seccomp.archs]' <<<"$output")" = '[[],[],[]]' ]
}

@test "features: annotations name incept's version and commit" {
	run incept features
	[ "$(jq -r '.annotations["io.incept.version"]' <<<"$output")" = \
		"$(cat "$BATS_TEST_DIRNAME/../../VERSION")" ]
	run "$INCEPT" --version
	local commit=${lines[1]#commit: }
	run incept features
	[ "$(jq -r '.annotations["io.incept.commit"]' <<<"$output")" = "$commit" ]
}

@test "features: same key order and indent as runc's document" {
	command -v runc >/dev/null || skip "runc is not installed"
	# the keys incept prints appear in runc's output in the same order and at the same depth
	local keys='ociVersionM..|hooks|mountOptions|linux|namespaces|capabilities|cgroup|v1|v2|systemd|systemdUser|seccomp|actions|operators|archs|apparmor|selinux|enabled|annotations'
	# knownFlags/supportedFlags: newer runc prints them, Debian's 1.1 does not
	diff <(runc features | grep -oE "^ +\"($keys)\":") \
		<(incept features | grep -oE '^ +"[a-zA-Z0-9]+":' | grep -vE '"(knownFlags|supportedFlags)"')
}

@test "features: takes no arguments" {
	run --separate-stderr incept features x
	[ "$status" -eq 1 ]
	[[ "$stderr" == *'"features\" requires exactly 0 argument(s)'* ]]
}
