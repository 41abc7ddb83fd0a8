#!/usr/bin/env bats
# Filesystem conformance of the FUSE server (vmm/fuse/) mounted on the host through /dev/fuse
# by build/incept-fuse-host: the same request handler virtio-fs uses inside the VMM.
# Shares: rw = a directory, ro = a directory shared read-only, hosts = a single file.

INCEPT_BIN=${INCEPT_BIN:-$BATS_TEST_DIRNAME/../../build}

setup() {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	[ "$(id -u)" = 0 ] || skip "mounting FUSE with allow_other needs root"
	HOST=$(cd "$INCEPT_BIN" && pwd)/incept-fuse-host
	[ -x "$HOST" ] || { echo "no $HOST (build first)" >&2; return 1; }
	T=$BATS_TEST_TMPDIR
	# the mount point must be reachable by other uids (bats' own tmpdir is private)
	MB=$(mktemp -d /tmp/incept-fuse.XXXXXX) && chmod 755 "$MB"
	mkdir -p "$MB/mnt" "$T/rw" "$T/ro" "$T/outside"
	echo secret >"$T/outside/secret"
	echo original >"$T/ro/file"
	echo "127.0.0.1 localhost" >"$T/hosts"
	"$HOST" --threads 2 --share rw="$T/rw" --share ro="$T/ro:ro" --share hosts="$T/hosts" \
		"$MB/mnt" 2>"$T/server.log" &
	PID=$!
	M=$MB/mnt
	for _ in $(seq 100); do
		mountpoint -q "$M" && break
		sleep 0.05
	done
	mountpoint -q "$M"
}

teardown() {
	if [ -z "${PID:-}" ]; then
		[ -z "${MB:-}" ] || rmdir "$M" "$MB"
		return 0
	fi
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" || { cat "$T/server.log" >&2; return 1; }
	# SIGTERM unmounts: nothing is left behind
	! mountpoint -q "$M" || false
	rmdir "$M" "$MB"
}

@test "fuse: the root lists the shares, read-only" {
	run ls "$M"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'hosts\nro\nrw')" ]
	[ "$(stat -c %F "$M/hosts")" = "regular file" ]
	run touch "$M/new"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run mkdir "$M/rw/../x"
	[ "$status" -ne 0 ]
}

@test "fuse: create, write, read, append, truncate" {
	echo hello >"$M/rw/a"
	[ "$(cat "$M/rw/a")" = hello ]
	[ "$(cat "$T/rw/a")" = hello ]
	echo world >>"$M/rw/a"
	[ "$(cat "$T/rw/a")" = "$(printf 'hello\nworld')" ]
	truncate -s 3 "$M/rw/a"
	[ "$(cat "$T/rw/a")" = hel ]
	: >"$M/rw/a"
	[ "$(stat -c %s "$T/rw/a")" = 0 ]
	head -c 3000000 /dev/urandom >"$T/big"
	cp "$T/big" "$M/rw/big"
	cmp "$T/big" "$T/rw/big"
	cmp "$T/big" "$M/rw/big"
}

@test "fuse: rename files and directories, over existing ones, across directories" {
	mkdir -p "$M/rw/d1/sub" "$M/rw/d2"
	echo 1 >"$M/rw/d1/sub/f"
	echo 2 >"$M/rw/other"
	mv "$M/rw/d1/sub" "$M/rw/d2/moved"
	[ "$(cat "$T/rw/d2/moved/f")" = 1 ]
	[ ! -e "$T/rw/d1/sub" ]
	mv "$M/rw/other" "$M/rw/d2/moved/f"
	[ "$(cat "$M/rw/d2/moved/f")" = 2 ]
	mkdir "$M/rw/empty"
	mv -T "$M/rw/empty" "$M/rw/d1"
	[ ! -e "$T/rw/empty" ]
	python3 -c 'import os,sys; os.rename(sys.argv[1], sys.argv[2])' "$M/rw/d2" "$M/rw/d1/x"
	[ -f "$T/rw/d1/x/moved/f" ]
	# across shares is a cross-device rename
	run python3 -c 'import os,sys; os.rename(sys.argv[1], sys.argv[2])' "$M/rw/d1/x/moved/f" \
		"$M/ro/f"
	[ "$status" -ne 0 ]
}

@test "fuse: hard links share an inode" {
	echo one >"$M/rw/a"
	ln "$M/rw/a" "$M/rw/b"
	[ "$(stat -c %h "$M/rw/a")" = 2 ]
	[ "$(stat -c %i "$M/rw/a")" = "$(stat -c %i "$M/rw/b")" ]
	[ "$(stat -c %i "$T/rw/a")" = "$(stat -c %i "$T/rw/b")" ]
	echo two >>"$M/rw/b"
	[ "$(cat "$M/rw/a")" = "$(printf 'one\ntwo')" ]
	rm "$M/rw/a"
	[ "$(stat -c %h "$M/rw/b")" = 1 ]
}

@test "fuse: symlinks are stored and returned as link text, never followed by the server" {
	mkdir "$M/rw/dir"
	echo in >"$M/rw/dir/target"
	ln -s dir/target "$M/rw/rel"
	ln -s /etc/passwd "$M/rw/abs"
	ln -s ../../outside/secret "$M/rw/out"
	ln -s /proc/self/root "$M/rw/magic"
	[ "$(readlink "$M/rw/rel")" = dir/target ]
	[ "$(readlink "$T/rw/abs")" = /etc/passwd ]
	[ "$(readlink "$M/rw/out")" = ../../outside/secret ]
	[ "$(readlink "$M/rw/magic")" = /proc/self/root ]
	[ "$(stat -c %F "$M/rw/magic")" = "symbolic link" ]
	[ "$(cat "$M/rw/rel")" = in ]
	# a link planted on the host: the server reports the link, not its target
	ln -s "$T/outside/secret" "$T/rw/planted"
	[ "$(stat -c %F "$M/rw/planted")" = "symbolic link" ]
	[ "$(stat -c %s "$M/rw/planted")" = "${#T}" ] || [ "$(stat -c %s "$M/rw/planted")" -gt 0 ]
}

@test "fuse: xattrs set, get, list, remove; trusted.* refused" {
	echo x >"$M/rw/f"
	setfattr -n user.color -v blue "$M/rw/f"
	[ "$(getfattr --only-values -n user.color "$M/rw/f")" = blue ]
	[ "$(getfattr --only-values -n user.color "$T/rw/f")" = blue ]
	run getfattr -d "$M/rw/f"
	[[ "$output" == *'user.color="blue"'* ]]
	setfattr -x user.color "$M/rw/f"
	run getfattr -n user.color "$M/rw/f"
	[ "$status" -ne 0 ]
	run setfattr -n trusted.overlay.opaque -v y "$M/rw/f"
	[ "$status" -ne 0 ]
	run getfattr -n trusted.overlay.opaque "$T/rw/f"
	[ "$status" -ne 0 ]
}

@test "fuse: chmod, chown, utimes" {
	echo x >"$M/rw/f"
	chmod 4750 "$M/rw/f"
	[ "$(stat -c %a "$T/rw/f")" = 4750 ]
	chown 1234:5678 "$M/rw/f"
	[ "$(stat -c %u:%g "$T/rw/f")" = 1234:5678 ]
	chmod 4750 "$M/rw/f" # chown cleared set-uid, as on any Linux filesystem
	[ "$(stat -c %a "$M/rw/f")" = 4750 ]
	touch -h -d @1000000000 "$M/rw/f"
	[ "$(stat -c %Y "$T/rw/f")" = 1000000000 ]
	touch -a -d @1234567890 "$M/rw/f"
	[ "$(stat -c %X "$T/rw/f")" = 1234567890 ]
	ln -s f "$M/rw/l"
	touch -h -d @1500000000 "$M/rw/l"
	[ "$(stat -c %Y "$T/rw/l")" = 1500000000 ]
	chown -h 42:43 "$M/rw/l"
	[ "$(stat -c %u:%g "$T/rw/l")" = 42:43 ]
}

@test "fuse: new files belong to the caller's uid and gid" {
	chmod 1777 "$T/rw"
	setpriv --reuid 65534 --regid 65533 --clear-groups sh -c "echo x >'$M/rw/mine'; mkdir '$M/rw/md'; ln -s mine '$M/rw/ml'; mkfifo '$M/rw/mf'"
	[ "$(stat -c %u:%g "$T/rw/mine")" = 65534:65533 ]
	[ "$(stat -c %u:%g "$T/rw/md")" = 65534:65533 ]
	[ "$(stat -c %u:%g "$T/rw/ml")" = 65534:65533 ]
	[ "$(stat -c %u:%g "$T/rw/mf")" = 65534:65533 ]
	[ "$(stat -c %F "$T/rw/mf")" = fifo ]
	# umask of the caller applies, the server's does not
	(umask 077 && touch "$M/rw/private")
	[ "$(stat -c %a "$T/rw/private")" = 600 ]
	(umask 000 && mkdir -m 0777 "$M/rw/open")
	[ "$(stat -c %a "$T/rw/open")" = 777 ]
	# set-group-id directories pass their group on
	mkdir "$M/rw/sg" && chown 0:4242 "$M/rw/sg" && chmod 2777 "$M/rw/sg"
	setpriv --reuid 65534 --regid 65533 --clear-groups touch "$M/rw/sg/f"
	[ "$(stat -c %u:%g "$T/rw/sg/f")" = 65534:4242 ]
}

@test "fuse: writes and truncates by an unprivileged caller drop set-id bits" {
	chmod 1777 "$T/rw"
	for f in w t o; do
		echo x >"$M/rw/$f" && chmod 6775 "$M/rw/$f"
	done
	chmod 0777 "$M/rw/w" "$M/rw/t" "$M/rw/o" && chmod ug+s "$M/rw/w" "$M/rw/t" "$M/rw/o"
	u() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
	u sh -c "echo more >>'$M/rw/w'"
	u truncate -s 1 "$M/rw/t"
	u sh -c ": >'$M/rw/o'"
	[ "$(stat -c %a "$T/rw/w")" = 777 ]
	[ "$(stat -c %a "$T/rw/t")" = 777 ]
	[ "$(stat -c %a "$T/rw/o")" = 777 ]
	# root (CAP_FSETID) keeps them, as on any Linux filesystem
	chmod 6777 "$M/rw/w" && echo root >>"$M/rw/w"
	[ "$(stat -c %a "$T/rw/w")" = 6777 ]
}

@test "fuse: a sparse file larger than 4 GiB" {
	truncate -s 5G "$M/rw/sparse"
	printf 'tail' | dd of="$M/rw/sparse" bs=1 seek=$((4 * 1024 * 1024 * 1024 + 17)) conv=notrunc status=none
	[ "$(stat -c %s "$T/rw/sparse")" = $((5 * 1024 * 1024 * 1024)) ]
	[ "$(dd if="$M/rw/sparse" bs=1 skip=$((4 * 1024 * 1024 * 1024 + 17)) count=4 status=none)" = tail ]
	[ "$(du -k "$T/rw/sparse" | cut -f1)" -lt 1024 ]
	# SEEK_DATA / SEEK_HOLE and fallocate reach the host file
	run python3 -c 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); print(os.lseek(fd, 0, os.SEEK_DATA) >= 4<<30, os.lseek(fd, 0, os.SEEK_HOLE))' "$M/rw/sparse"
	[ "$output" = "True 0" ]
	fallocate -l 1M "$M/rw/alloc"
	[ "$(stat -c %s "$T/rw/alloc")" = 1048576 ]
	fallocate -p -o 0 -l 1M "$M/rw/alloc"
	[ "$(du -k "$T/rw/alloc" | cut -f1)" -lt 1024 ]
}

@test "fuse: a directory with 10k entries, listed and removed" {
	mkdir "$M/rw/many"
	(cd "$M/rw/many" && seq -f 'file%05g' 1 10000 | xargs touch)
	[ "$(ls "$M/rw/many" | wc -l)" = 10000 ]
	[ "$(ls "$T/rw/many" | wc -l)" = 10000 ]
	[ "$(ls -f "$M/rw/many" | sort | uniq | wc -l)" = 10002 ]
	rm -rf "$M/rw/many"
	[ ! -e "$T/rw/many" ]
}

@test "fuse: readdir while deleting sees every entry once" {
	mkdir "$M/rw/del"
	(cd "$M/rw/del" && seq -f 'e%04g' 1 3000 | xargs touch)
	run python3 -c '
import os, sys
d = sys.argv[1]
seen = set()
with os.scandir(d) as it:
    for e in it:
        if e.name in seen:
            print("dup", e.name); sys.exit(1)
        seen.add(e.name)
        os.unlink(os.path.join(d, e.name))
print(len(seen), len(os.listdir(d)))' "$M/rw/del"
	[ "$status" -eq 0 ]
	[ "$output" = "3000 0" ]
	rmdir "$M/rw/del"
}

@test "fuse: a read-only share refuses every modification" {
	for cmd in "touch '$M/ro/new'" "mkdir '$M/ro/d'" "rm '$M/ro/file'" "chmod 777 '$M/ro/file'" \
		"echo x >>'$M/ro/file'" "truncate -s 0 '$M/ro/file'" "ln -s x '$M/ro/l'" \
		"ln '$M/ro/file' '$M/ro/h'" "mv '$M/ro/file' '$M/ro/g'" "setfattr -n user.a -v b '$M/ro/file'" \
		"mkfifo '$M/ro/p'" "chown 1:1 '$M/ro/file'" "touch '$M/ro/file'"; do
		run sh -c "$cmd"
		[ "$status" -ne 0 ] || { echo "succeeded: $cmd"; return 1; }
		[[ "$output" == *"Read-only file system"* ]] || { echo "$cmd: $output"; return 1; }
	done
	[ "$(cat "$M/ro/file")" = original ]
	[ "$(cat "$T/ro/file")" = original ]
	[ "$(ls "$T/ro")" = file ]
}

@test "fuse: a single-file share is read and written in place" {
	[ "$(cat "$M/hosts")" = "127.0.0.1 localhost" ]
	echo "10.0.0.1 web" >>"$M/hosts"
	[ "$(tail -n1 "$T/hosts")" = "10.0.0.1 web" ]
	run ls "$M/hosts/x"
	[ "$status" -ne 0 ]
	[ "$(ls "$T/outside")" = secret ]
}

@test "fuse: .. at a share root is the synthetic root, never the host's parent" {
	[ "$(ls "$M/rw/..")" = "$(printf 'hosts\nro\nrw')" ]
	[ "$(ls "$M/rw/../..")" = mnt ] # the kernel's own .. of the mount point
	run cat "$M/rw/../outside/secret"
	[ "$status" -ne 0 ]
}

@test "fuse: device nodes show up as devices but are not opened by the server" {
	mknod "$M/rw/null" c 1 3
	[ "$(stat -c %F:%t:%T "$T/rw/null")" = "character special file:1:3" ]
	[ "$(stat -c %F:%t:%T "$M/rw/null")" = "character special file:1:3" ]
	run sh -c "echo x >'$M/rw/null'" # nodev mount: the kernel refuses before asking us
	[ "$status" -ne 0 ]
}

@test "fuse: the server exits 0 on SIGINT and on an external umount, leaving no mount" {
	kill -INT "$PID"
	wait "$PID"
	! mountpoint -q "$M" || false
	"$HOST" --share rw="$T/rw" "$M" 2>"$T/server2.log" &
	PID=$!
	for _ in $(seq 100); do
		mountpoint -q "$M" && break
		sleep 0.05
	done
	ls "$M" >/dev/null
	umount "$M"
	wait "$PID"
	grep -q "served [0-9]* requests" "$T/server2.log"
	PID=
}

@test "fuse: tar x through the mount gives the same tree as on the host (two server threads)" {
	src=$T/src
	mkdir -p "$src"
	cp -a /usr/include/linux "$src/"
	ln -s linux/fuse.h "$src/link" && ln "$src/linux/fuse.h" "$src/hard" && mkfifo "$src/fifo"
	chmod 4711 "$src/hard" && touch -h -d @1234567890 "$src/link"
	tar -C "$src" -cf "$T/t.tar" .
	mkdir "$M/rw/x" "$T/native"
	tar -C "$M/rw/x" -xpf "$T/t.tar"
	tar -C "$T/native" -xpf "$T/t.tar"
	listing() { (cd "$1" && find . -printf '%p %y %m %s %n %T@ %l\n' | sort); }
	diff <(listing "$T/native") <(listing "$T/rw/x")
	diff <(listing "$T/native") <(listing "$M/rw/x")
	diff -r -x fifo "$T/native" "$M/rw/x" # (diff cannot compare fifos)
}

@test "fuse: the guest's file system test (incept-agent --fstest) passes on a host mount" {
	# the fixtures tests/bats/vmm_fs.bats gives the guest
	echo hello >"$T/ro/hello"
	ln -s "$T/outside/secret" "$T/rw/secret_abs"
	ln -s ../outside/secret "$T/rw/secret_rel"
	# the agent is a guest artefact: never sanitized, always in build/ (tests/run.sh)
	run "$(cd "${INCEPT_GUEST:-$INCEPT_BIN}" && pwd)/incept-agent" --fstest="$M"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fstest: ok"* ]]
	[ "$(find "$T/rw/big" -type f | wc -l)" = 1000 ]
	[ "$(stat -c '%a %u:%g' "$T/rw/guest/file")" = "640 1000:1001" ]
}
