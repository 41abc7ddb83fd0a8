#!/usr/bin/env bats
# Snapshot and restore (issue 7): the cold path builds a snapshot in a fresh directory (so a
# cache on the CI machine never hides a broken build), restores run the agent's selftest,
# restored guests get their own RNG state and their own memory, a corrupted snapshot is
# rebuilt and never restored, and concurrent first starts build it once.
# Needs /dev/kvm, build/vmlinux and build/initrd.cpio; without them the tests skip and say why.

load vm_helpers

setup_file() {
	vm_setup_file
	[ "$CAN_BOOT" = 1 ] || return 0
	# The cold path: no snapshot yet in a brand-new directory.
	vmm build --snapshot-only
}

# vmm NAME FLAGS...: one VMM run against $SNAPS; status, log and console kept under $WORK.
vmm() {
	local name=$1
	shift
	set +e
	timeout 300 "$VMM" --kernel "$KERNEL" --initrd "$INITRD" --snapshot-dir "$SNAPS" \
		--debug --timing --console-log "$WORK/$name.console" "$@" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.log"
	echo $? >"$WORK/$name.status"
	set -e
}

snapdir() {
	local d
	d=$(find "$SNAPS" -mindepth 1 -maxdepth 1 -type d ! -name '*.tmp-*')
	[ "$(echo "$d" | wc -l)" = 1 ] || { echo "want one snapshot dir, have: $d" >&2; return 1; }
	echo "$d"
}

@test "snapshot: the cold path boots once and saves a complete, sparse snapshot" {
	need_boot
	cat "$WORK/build.log"
	[ "$(cat "$WORK/build.status")" = 0 ]
	grep -q 'booting to build it' "$WORK/build.log"
	grep -q 'saved in' "$WORK/build.log"
	d=$(snapdir)
	for f in state memory meta memory.ok; do [ -s "$d/$f" ]; done
	[ ! -e "$SNAPS/$(basename "$d").tmp-"* ]
	# Sparse: far fewer blocks than the 128 MiB of guest RAM.
	used_kib=$(du -k "$d/memory" | cut -f1)
	echo "memory file uses $used_kib KiB"
	[ "$(stat -c %s "$d/memory")" = $((128 << 20)) ]
	[ "$used_kib" -lt $((64 << 10)) ]
	grep -q '^host: ' "$d/meta"
	grep -q '^kernel: build-id ' "$d/meta"
}

@test "snapshot: --snapshot-only with a valid snapshot does not boot" {
	need_boot
	vmm again --snapshot-only
	[ "$(cat "$WORK/again.status")" = 0 ]
	grep -q 'is ready' "$WORK/again.log"
	! grep -q 'booting to build it' "$WORK/again.log"
}

@test "snapshot: a restored guest runs the agent selftest" {
	need_boot
	vmm restore --agent-task selftest
	cat "$WORK/restore.log"
	[ "$(cat "$WORK/restore.status")" = 0 ]
	grep -q 'agent ready (restored from a snapshot)' "$WORK/restore.log"
	! grep -q 'booting to build it' "$WORK/restore.log" || false
	tr -d '\r' <"$WORK/restore.console" | grep -q '^selftest: ok'
	tr -d '\r' <"$WORK/restore.console" | grep -q 'ready (restored, generation 1'
	[ -n "$(value "$WORK/restore.console" selftest_fork_exec_wait_ms)" ]
}

@test "snapshot: the restored guest's clock is the host's" {
	need_boot
	vmm clock --agent-task selftest
	now=$(date +%s)
	guest=$(value "$WORK/clock.console" selftest_realtime_s)
	echo "guest $guest host $now"
	[ $((now - guest)) -ge 0 ] && [ $((now - guest)) -le 30 ]
}

@test "snapshot: two guests restored at once read different random bytes" {
	need_boot
	vmm rng1 --agent-task selftest &
	vmm rng2 --agent-task selftest &
	wait
	a=$(value "$WORK/rng1.console" selftest_urandom)
	b=$(value "$WORK/rng2.console" selftest_urandom)
	echo "rng1=$a rng2=$b"
	[ ${#a} = 32 ] && [ ${#b} = 32 ]
	[ "$a" != "$b" ]
}

@test "snapshot: restored guests keep their memory apart and never write the snapshot" {
	need_boot
	d=$(snapdir)
	before=$(sha256sum <"$d/memory")
	# Each selftest creates /run/selftest-marker (tmpfs, guest RAM) after looking for it.
	vmm mem1 --agent-task selftest &
	vmm mem2 --agent-task selftest &
	wait
	vmm mem3 --agent-task selftest
	for n in mem1 mem2 mem3; do
		[ "$(cat "$WORK/$n.status")" = 0 ]
		[ "$(value "$WORK/$n.console" selftest_marker_before)" = absent ]
	done
	[ "$(sha256sum <"$d/memory")" = "$before" ]
}

# corrupt HOW: damages the snapshot, then a --snapshot-only run must notice, say why in the
# debug log, rebuild, and a restore must work again.
corrupt_and_rebuild() {
	local d name=$1
	d=$(snapdir)
	case $name in
	flip-state) printf '\xff' | dd of="$d/state" bs=1 seek=200 conv=notrunc status=none ;;
	flip-memory)
		# One byte inside the first data extent of the memory file.
		off=$(python3 -c "import os; f=os.open('$d/memory', os.O_RDONLY); print(os.lseek(f, 0, os.SEEK_DATA) + 123)")
		printf '\x5a' | dd of="$d/memory" bs=1 seek="$off" conv=notrunc status=none ;;
	truncate) truncate -s 4096 "$d/state" ;;
	version)
		# A well-formed header of format version 99 (its own CRC fixed up).
		python3 - "$d/state" <<'PY'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
struct.pack_into('<I', b, 8, 99)
def crc32c(data):
    c = 0xffffffff
    for x in data:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
    return c ^ 0xffffffff
struct.pack_into('<I', b, 36, crc32c(bytes(b[:36])))
open(p, 'wb').write(b)
PY
		;;
	esac
	vmm "rebuild-$name" --snapshot-only
	cat "$WORK/rebuild-$name.log"
	[ "$(cat "$WORK/rebuild-$name.status")" = 0 ]
	grep -q "is unusable" "$WORK/rebuild-$name.log"
	grep -q 'booting to build it' "$WORK/rebuild-$name.log"
	vmm "after-$name" --agent-task poweroff
	[ "$(cat "$WORK/after-$name.status")" = 0 ]
	grep -q 'restored from a snapshot' "$WORK/after-$name.log"
}

@test "snapshot: a flipped byte in the state file is detected and rebuilt" {
	need_boot
	corrupt_and_rebuild flip-state
	grep -q 'checksum mismatch' "$WORK/rebuild-flip-state.log"
}

@test "snapshot: a flipped byte in guest memory is detected and rebuilt" {
	need_boot
	corrupt_and_rebuild flip-memory
	grep -q 'memory file checksum mismatch' "$WORK/rebuild-flip-memory.log"
}

@test "snapshot: a truncated state file is detected and rebuilt" {
	need_boot
	corrupt_and_rebuild truncate
}

@test "snapshot: another format version is detected and rebuilt" {
	need_boot
	corrupt_and_rebuild version
	grep -q 'format version 99' "$WORK/rebuild-version.log"
}

@test "snapshot: concurrent first starts build it once, the others wait and restore" {
	need_boot
	export SNAPS="$BATS_TEST_TMPDIR/race"
	vmm race1 --agent-task poweroff &
	vmm race2 --agent-task poweroff &
	vmm race3 --agent-task poweroff &
	wait
	builds=0
	for n in race1 race2 race3; do
		[ "$(cat "$WORK/$n.status")" = 0 ]
		if grep -q 'booting to build it' "$WORK/$n.log"; then
			builds=$((builds + 1))
		else
			grep -q 'restored from a snapshot' "$WORK/$n.log"
		fi
	done
	[ "$builds" = 1 ]
	grep -q 'another VMM is building it' "$WORK"/race*.log
}

@test "snapshot: --snapshot-only without --snapshot-dir is a usage error" {
	run "$VMM" --kernel "$KERNEL" --snapshot-only
	[ "$status" -eq 2 ]
	[[ "$output" == *"--snapshot-only needs --snapshot-dir"* ]]
	run "$VMM" --kernel "$KERNEL" --agent-task dance
	[ "$status" -eq 2 ]
	[[ "$output" == *"--agent-task"* ]]
}
