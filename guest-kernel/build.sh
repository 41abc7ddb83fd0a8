#!/usr/bin/env bash
# Build the incept guest kernel (vmlinux) from Debian's linux-source-6.12 package.
#
# Usage: guest-kernel/build.sh [OUT]      (OUT defaults to build/vmlinux in the repo root)
#
# Steps: extract /usr/src/linux-source-6.12*.tar.xz, apply guest-kernel/patches/*.patch in
# order, make tinyconfig, merge guest-kernel/microvm.config, check guest-kernel/required.txt,
# make vmlinux. The result (vmlinux + vmlinux.config) is cached in
#   ${INCEPT_CACHE:-/var/cache/incept}/kernel/<key>/
# where <key> is the sha256 of the package version, the compiler, microvm.config, every
# patch and this script; a cached kernel is only copied. A build runs in a temporary
# directory beside the cache and is renamed into place when complete, so an interrupted
# build never leaves a partial cache entry. OUT.config receives the final .config.
#
# Environment: INCEPT_CACHE (cache root), INCEPT_KERNEL_JOBS (make -j, default nproc),
# INCEPT_KERNEL_KEEP=1 (keep the build tree, under the cache, for debugging).
set -euo pipefail
# A parent make's command-line variables (CC=..., SAN=...) must not leak into Kbuild.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

PACKAGE=linux-source-6.12
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$root/build/vmlinux}

log() { printf 'guest-kernel: %s\n' "$*" >&2; }
die() { printf 'guest-kernel: error: %s\n' "$*" >&2; exit 1; }

package_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$PACKAGE" 2>/dev/null |
		awk '$1 == "ii" { print $2 }'
}

# The newest tarball the package (or a manual copy beside it) put in /usr/src.
find_tarball() {
	local t
	t=$(compgen -G "/usr/src/$PACKAGE*.tar.xz" | sort -V | tail -n 1) || true
	[[ -n $t ]] && printf '%s\n' "$t"
}

cache_key() {
	local f
	{
		printf 'package %s %s\n' "$PACKAGE" "$version"
		printf 'tarball %s\n' "$(basename "$tarball")"
		printf 'gcc %s\n' "$(gcc --version | head -n 1)"
		printf 'ld %s\n' "$(ld --version | head -n 1)"
		for f in "$here/build.sh" "$here/microvm.config" "${patches[@]}"; do
			printf 'file %s %s\n' "${f#"$here"/}" "$(sha256sum <"$f" | cut -d' ' -f1)"
		done
	} | sha256sum | cut -d' ' -f1
}

cache_root() {
	if [[ -n ${INCEPT_CACHE:-} ]]; then
		printf '%s/kernel\n' "$INCEPT_CACHE"
	elif mkdir -p /var/cache/incept/kernel 2>/dev/null && [[ -w /var/cache/incept/kernel ]]; then
		printf '/var/cache/incept/kernel\n'
	else
		printf '%s/incept/kernel\n' "${XDG_CACHE_HOME:-$HOME/.cache}"
	fi
}

# Copy the cached kernel to OUT (and OUT.config), each by rename so readers never see half.
install_out() {
	local entry=$1
	mkdir -p "$(dirname "$out")"
	cp "$entry/vmlinux" "$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
	cp "$entry/vmlinux.config" "$out.config.tmp.$$" && mv -f "$out.config.tmp.$$" "$out.config"
}

# Remove build directories left by builds that were killed (their pid is gone).
reap_stale_builds() {
	local d pid
	for d in "$cache"/tmp.*; do
		[[ -d $d ]] || continue
		pid=${d##*/tmp.}
		pid=${pid%%.*}
		[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && continue
		rm -rf "$d"
	done
}

apply_patches() {
	local p
	for p in "${patches[@]}"; do
		log "applying patches/${p##*/}"
		if ! patch -d "$src" -p1 --forward --batch --quiet <"$p" >>"$buildlog" 2>&1; then
			tail -n 20 "$buildlog" >&2
			die "patches/${p##*/} does not apply to $PACKAGE $version" \
				"(last tested: $tested; see guest-kernel/README.md, 'Updating the kernel')"
		fi
	done
}

configure() {
	log "configuring (tinyconfig + microvm.config)"
	kmake tinyconfig
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$here/microvm.config") \
		>>"$buildlog" 2>&1 || die "merge_config.sh failed (log: $buildlog)"
	kmake olddefconfig
	report_unmet_requests
	"$here/check-config.sh" "$src/.config" >>"$buildlog" 2>&1 ||
		{ grep '^not ok' "$buildlog" >&2; die "required options missing (guest-kernel/required.txt)"; }
}

# Kconfig drops requests whose dependencies are not met without a word; say which.
report_unmet_requests() {
	awk '
		NR == FNR { if (/^CONFIG_[A-Za-z0-9_]+=/) { i = index($0, "="); want[substr($0, 1, i - 1)] = substr($0, i + 1) }
			    else if (/^# CONFIG_[A-Za-z0-9_]+ is not set/) want[$2] = "n"
			    next }
		/^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); got[substr($0, 1, i - 1)] = substr($0, i + 1) }
		END { for (k in want) { g = (k in got) ? got[k] : "n"; if (g != want[k])
			printf "guest-kernel: note: microvm.config asks %s=%s, Kconfig gave %s\n", k, want[k], g } }
	' "$here/microvm.config" "$src/.config" | sort >&2
}

# make in the source tree, output to the log; on failure keep the log and show its errors.
kmake() {
	run make -C "$src" ARCH=x86_64 KBUILD_BUILD_USER=incept KBUILD_BUILD_HOST=incept \
		KBUILD_BUILD_TIMESTAMP="$build_date" "$@" >>"$buildlog" 2>&1 && return
	cp "$buildlog" "$cache/last-failure.log"
	grep -E -i -B2 'error' "$buildlog" | tail -n 30 >&2 || true
	die "make $* failed for $PACKAGE $version (log: $cache/last-failure.log)"
}

# Run a long step in the background and wait, so a signal is handled at once (bash defers
# traps until a foreground child ends); on_signal stops the step (make stops its children).
run() {
	"$@" &
	child=$!
	wait "$child"
	local rc=$?
	child=
	return "$rc"
}

on_signal() {
	trap - INT TERM HUP
	[[ -n ${child:-} ]] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
	log "interrupted; nothing was cached"
	exit 130
}

build() {
	local jobs=${INCEPT_KERNEL_JOBS:-$(nproc)} t0=$SECONDS
	work=$(mktemp -d "$cache/tmp.$$.XXXXXX")
	src=$work/src
	buildlog=$work/build.log
	mkdir -p "$src" "$work/entry"
	log "building vmlinux from $PACKAGE $version (key ${key:0:12}, log $buildlog)"
	run tar -xf "$tarball" -C "$src" --strip-components=1 || die "cannot extract $tarball"
	apply_patches
	configure
	log "compiling (make -j$jobs vmlinux; a cold build takes several minutes)"
	kmake -j"$jobs" vmlinux
	cp "$src/vmlinux" "$work/entry/vmlinux"
	cp "$src/.config" "$work/entry/vmlinux.config"
	cp "$buildlog" "$work/entry/build.log"
	printf '%s %s\n' "$PACKAGE" "$version" >"$work/entry/source"
	# Publish: one rename. Another builder may have won the race; its entry is as good.
	mv -T "$work/entry" "$cache/$key" 2>/dev/null || [[ -f $cache/$key/vmlinux ]] ||
		die "cannot publish $cache/$key"
	log "built in $((SECONDS - t0)) s"
}

cleanup() {
	if [[ -n ${work:-} && -d $work ]]; then
		if [[ ${INCEPT_KERNEL_KEEP:-0} == 1 ]]; then log "kept build tree $work"; else rm -rf "$work"; fi
	fi
}

main() {
	version=$(package_version)
	tarball=$(find_tarball || true)
	[[ -n $version && -n $tarball ]] ||
		die "$PACKAGE is not installed (run make deps, or: apt-get install $PACKAGE)"
	tested=$(cat "$here/TESTED_VERSION" 2>/dev/null || echo unknown)
	shopt -s nullglob
	patches=("$here"/patches/*.patch)
	shopt -u nullglob

	key=$(cache_key)
	cache=$(cache_root)
	if [[ -f $cache/$key/vmlinux ]]; then
		install_out "$cache/$key"
		log "$out: cached ($PACKAGE $version, key ${key:0:12})"
		return
	fi

	mkdir -p "$cache" || die "cannot create cache $cache (set INCEPT_CACHE)"
	[[ $version == "$tested" ]] ||
		log "note: $PACKAGE $version is installed; last tested with $tested"
	# One builder per cache; whoever waits finds the entry the other one published.
	exec 9>"$cache/.lock"
	flock 9
	if [[ ! -f $cache/$key/vmlinux ]]; then
		reap_stale_builds
		build_date=$(date -u -R -r "$tarball")
		trap cleanup EXIT
		trap on_signal INT TERM HUP
		build
	fi
	install_out "$cache/$key"
	log "$out: $(stat -c %s "$out") bytes"
}

main "$@"
