#!/usr/bin/env bash
# Container lifecycle latency: `incept run` vs `runc run` of busybox `true`, the same through
# containerd (`ctr run --rm`), and `exec true` into a running container, in one run.
#
#   bench/lifecycle.sh [-n RUNS] [--no-ctr] [--no-results]
#
# Prints `name: value` lines:
#   run_true_ratio             incept run / runc run (medians)
#   ctr_run_true_ratio         the same through ctr run --rm and the stock runc shim
#   run_true_guest_ms          inside the guest: the agent got CREATE -> it sent EXIT
#   run_true_host_overhead_ms  the rest of an `incept run`: runtime, VMM start, restore, vsock,
#                              relay (median over KEPT runs of each run's wall - its guest time)
#   exec_true_median_ms        `incept exec ID true` into a running container
# then where the host overhead goes (medians over the kept runs, from the VMM's log and the
# agent's port marks), one container's VMM log, and the agent's own page faults and system
# calls per container. Needs /dev/kvm, runc, hyperfine;
# containerd + ctr for the ctr pair. Appends to bench/RESULTS.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
n=10 with_ctr=1 write_results=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=$2; shift 2 ;;
	--no-ctr) with_ctr=0; shift ;;
	--no-results) write_results=0; shift ;;
	*) echo "usage: $0 [-n RUNS] [--no-ctr] [--no-results]" >&2; exit 2 ;;
	esac
done
incept=$bin/incept
bench_need "$incept" "$bin/incept-vmm" "$art/vmlinux" "$art/initrd.cpio"
for t in runc hyperfine; do
	command -v "$t" >/dev/null || { echo "lifecycle.sh: $t missing (make deps)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/incept-lifecycle.XXXXXX")
iroot=$work/incept-root rroot=$work/runc-root
cleanup() {
	"$incept" --root "$iroot" delete -f ex >/dev/null 2>&1 || true
	runc --root "$rroot" delete -f ex >/dev/null 2>&1 || true
	[ "$with_ctr" = 1 ] && ctr_stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# One busybox bundle; config.json from runc spec, not a terminal, args set per use.
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev" \
	"$work/bundle/rootfs/tmp" "$work/bundle/rootfs/sys"
cp /bin/busybox "$work/bundle/rootfs/bin/"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -sf busybox "$work/bundle/rootfs/bin/$a"
done
(cd "$work/bundle" && runc spec)
set_args() { # set_args ARGS...: process.args of the bundle, terminal off
	jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
		'.process.args = $a | .process.terminal = false' \
		"$work/bundle/config.json" >"$work/config.tmp"
	mv "$work/config.tmp" "$work/bundle/config.json"
}
set_args /bin/true

export INCEPT_CONFIG=$work/incept.json
echo "{\"snapshot_dir\": \"$work/snaps\"}" >"$INCEPT_CONFIG"
echo "lifecycle.sh: building the snapshot (a cold boot, not timed)" >&2
"$incept" prepare >/dev/null

median_ms() { # median_ms JSON INDEX: hyperfine's median of command INDEX, in ms
	jq ".results[$2].median * 1000" "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pair() { # pair NAME INCEPT_CMD RUNC_CMD: hyperfine both; prints their medians (ms)
	hyperfine -N --runs "$n" --warmup 1 --export-json "$work/$1.json" "$2" "$3" >&2 ||
		{ echo "lifecycle.sh: a $1 run failed (see above)" >&2; return 1; }
	echo "$(median_ms "$work/$1.json" 0) $(median_ms "$work/$1.json" 1)"
}

out=$work/results
host_kind=$(bench_host_kind)
echo "host_kind: $host_kind" >"$out"

# --- run true: incept vs runc
# (assigned first: a failing hyperfine ends the script under set -e)
medians=$(pair run "$incept --root $iroot run --bundle $work/bundle rt" \
	"runc --root $rroot run --bundle $work/bundle rt")
read -r incept_run runc_run <<<"$medians"

# --- containers kept after they ran, for the guest's share and the breakdown: per run its
# wall time and, from its VMM log (ms since the VMM's exec), when the agent took work (READY),
# when it had the CREATE (port mark 6), when the VMM had the EXIT, and the guest time
kept=$(((n + 1) / 2))
for i in $(seq "$kept"); do
	t0=$(date +%s%N)
	"$incept" --root "$iroot" run --keep --bundle "$work/bundle" one </dev/null >/dev/null
	wall=$((($(date +%s%N) - t0) / 1000000))
	cp "$iroot/one/vmm.log" "$work/one.log"
	"$incept" --root "$iroot" delete one
	awk -v wall="$wall" '
		/agent takes work at/ { match($0, /at [0-9]+ ms/); ready = substr($0, RSTART + 3) + 0 }
		/agent mark 6 at/ { match($0, /at [0-9]+ ms/); create = substr($0, RSTART + 3) + 0 }
		/container exited:/ {
			match($0, /guest_ms=[0-9.]+/); guest = substr($0, RSTART + 9) + 0
			match($0, /at [0-9]+ ms/); exited = substr($0, RSTART + 3) + 0
			match($0, /agent_minflt=[0-9]+/); minflt = substr($0, RSTART + 13) + 0
		}
		END { print wall, guest, ready, create, exited, minflt }' "$work/one.log" >>"$work/kept"
done
med() { # med COLUMN-EXPRESSION: the median over the kept runs (awk on $work/kept)
	awk "{ print $1 }" "$work/kept" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
guest_ms=$(med '$2')
minflt=$(med '$6')

# --- exec true into a running container
set_args /bin/sleep 100000
"$incept" --root "$iroot" run --detach --bundle "$work/bundle" ex </dev/null >/dev/null 2>&1
runc --root "$rroot" run --detach --bundle "$work/bundle" ex </dev/null >/dev/null 2>&1
medians=$(pair exec "$incept --root $iroot exec ex /bin/true" "runc --root $rroot exec ex /bin/true")
read -r exec_incept exec_runc <<<"$medians"

{
	printf 'run_true_ratio: %s\n' "$(ratio "$incept_run" "$runc_run")"
	printf 'run_true_incept_median_ms: %.0f\n' "$incept_run"
	printf 'run_true_runc_median_ms: %.0f\n' "$runc_run"
	printf 'run_true_guest_ms: %.0f\n' "${guest_ms:-0}"
	# each run's wall time minus its own guest time (guest times vary by ~±300 ms)
	printf 'run_true_host_overhead_ms: %.0f\n' "$(med '$1 - $2')"
	printf 'exec_true_median_ms: %.0f\n' "$exec_incept"
	printf 'exec_true_runc_median_ms: %.0f\n' "$exec_runc"
	printf 'agent_minflt_per_container: %s\n' "${minflt:-unknown}"
} >>"$out"

# --- the agent's own system calls per container: its host test mode (the same code that
# serves the guest) under strace, one busybox `true` through CREATE + START + EXIT
agent=$bin/incept-agent
if command -v strace >/dev/null && [ -x "$agent" ]; then
	sock=$work/agent.sock
	strace -f -qq -o "$work/agent.strace" "$agent" --serve="$sock" --fs-root="$work/bundle" \
		>/dev/null 2>&1 &
	spid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	python3 "$root/tests/bats/proto_client.py" "$sock" run --rootfs rootfs -- /bin/true
	python3 "$root/tests/bats/proto_client.py" "$sock" shutdown >/dev/null || true
	wait "$spid" || true
	# agent: its lines between the request's accept and the shutdown's accept; child: each
	# other pid's lines up to and including its execve (the container's setup)
	awk '!/resumed>/ { pid[NR] = $1; line[NR] = $0; n = NR }
		END {
			a = pid[1]
			for (i = 1; i <= n; i++)
				if (pid[i] == a && line[i] ~ /accept4\(/ && line[i] !~ /= -1/) {
					if (!first) first = i
					last = i
				}
			for (i = first + 1; i < last; i++) {
				if (pid[i] == a) { agent++; continue }
				if (done[pid[i]]) continue
				child++
				if (line[i] ~ /execve\(/) done[pid[i]] = 1
			}
			printf "agent_syscalls_per_container: %d\n", agent
			printf "child_setup_syscalls_per_container: %d\n", child
		}' "$work/agent.strace" >>"$out"
fi

# --- the same through containerd's runc shim
if [ "$with_ctr" = 1 ] && command -v containerd >/dev/null && command -v ctr >/dev/null; then
	BATS_TEST_DIRNAME=$root/tests/bats
	. "$root/tests/bats/ctr_helpers.bash"
	ctr_start "$work/ctr" >&2
	ctr_image "$work" >&2
	cat >"$work/ctr-run" <<SH
#!/bin/sh
exec ctr --address $CTR_SOCK --namespace incept-test run --rm --snapshotter native \
	--runc-binary "\$1" $CTR_IMAGE "b\$\$" true
SH
	chmod +x "$work/ctr-run"
	medians=$(pair ctr "$work/ctr-run $incept" "$work/ctr-run $(command -v runc)")
	read -r ctr_incept ctr_runc <<<"$medians"
	{
		printf 'ctr_run_true_ratio: %s\n' "$(ratio "$ctr_incept" "$ctr_runc")"
		printf 'ctr_run_true_incept_median_ms: %.0f\n' "$ctr_incept"
		printf 'ctr_run_true_runc_median_ms: %.0f\n' "$ctr_runc"
	} >>"$out"
fi

{
	echo "# where run_true_host_overhead_ms goes (medians of $kept kept runs):"
	printf 'host_vmm_exec_to_agent_ready_ms: %.0f\n' "$(med '$3')"
	printf 'host_agent_ready_to_create_ms: %.0f\n' "$(med '$4 - $3')"
	printf 'host_exit_to_vmm_ms: %.0f\n' "$(med '$5 - $4 - $2')"
	printf 'host_runtime_ms: %.0f\n' "$(med '$1 - $5')"
	echo "#   vmm_exec_to_agent_ready: VMM start, snapshot restore, the agent's reseed + clock"
	echo "#   agent_ready_to_create: a vsock stream from the VMM, the agent's accept + read"
	echo "#   exit_to_vmm: the EXIT message through vsock to the VMM's relay"
	echo "#   runtime: incept before exec'ing the VMM, the VMM's teardown, incept's exit"
	echo "# run sends CREATE with START_NOW (no hooks): no START stream inside run_true_guest_ms"
	echo "# the last kept run's VMM log (ms since the VMM's exec):"
	sed -n 's/.*msg="\(.*\)".*$/  \1/p' "$work/one.log" | head -20
} >>"$out"
cat "$out"
if [ "$write_results" = 1 ]; then
	bench_record lifecycle "$host_kind" "$out"
fi
