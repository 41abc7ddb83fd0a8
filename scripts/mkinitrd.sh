#!/usr/bin/env bash
# mkinitrd.sh AGENT OUT: the guest's initramfs, an uncompressed newc cpio holding
#   /init           the agent (0755, root), which the kernel runs as PID 1
#   /dev/console    char 5:1, so the kernel opens fds 0-2 for init before any mount
#   /dev /proc /sys /run /tmp   mount points (the agent mounts the first four and /dev/pts)
#
# Uncompressed: on PVM every kernel instruction is emulated, so inflating it in the guest
# would cost far more than reading a few more bytes.
#
# The archive is written by scripts/mkcpio.c (compiled here with $CC, next to OUT), not by
# `cpio -o` from a staging directory: the device node is only a header field, so no mknod,
# no root and no dependence on the build machine's file ownership; the output is
# byte-for-byte reproducible (mtime = $SOURCE_DATE_EPOCH, default 0).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 AGENT OUT" >&2
	exit 2
fi
agent=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
outdir=$(dirname "$out")
mkcpio=$outdir/mkcpio

[ -f "$agent" ] || { echo "mkinitrd: $agent: no such file" >&2; exit 1; }
mkdir -p "$outdir"
if [ ! -x "$mkcpio" ] || [ "$here/mkcpio.c" -nt "$mkcpio" ]; then
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Wshadow -Wformat=2 -Werror -o "$mkcpio.tmp" "$here/mkcpio.c"
	mv -f "$mkcpio.tmp" "$mkcpio"
fi

# Written to a temporary file and renamed: a failed run never leaves a half archive behind.
trap 'rm -f "$out.tmp"' EXIT
"$mkcpio" "$out.tmp" <<SPEC
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0555 0 0
dir /sys 0555 0 0
dir /run 0755 0 0
dir /tmp 1777 0 0
file /init $agent 0755 0 0
SPEC
mv -f "$out.tmp" "$out"
echo "mkinitrd: $out: $(stat -c %s "$out") bytes (agent $(stat -c %s "$agent") bytes)"
