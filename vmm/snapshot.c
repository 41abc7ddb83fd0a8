// SPDX-License-Identifier: Apache-2.0
/* Snapshot identity, validation, locking, atomic save, and copy-on-write restore. */
#define _GNU_SOURCE
#include "snapshot.h"
#include "cleanup.h"
#include "hash.h"
#include "snapshot_mem.h"
#include "snapshot_state.h"
#include "util.h"
#include "vmm.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX (64u << 20)

struct snap_memory_info {
	uint64_t size, sum, data_pages, reserved;
};

uint64_t vmm_snapshot_key_of(const char *meta)
{
	return util_fnv64(UTIL_FNV64_INIT, meta, strlen(meta));
}

/* dl_iterate_phdr callback: the main program's GNU build-id note. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *out)
{
	(void)size;
	if (info->dlpi_name && info->dlpi_name[0])
		return 0; /* a shared library; the main program comes first with "" */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		size_t off = 0;

		if (ph->p_type != PT_NOTE)
			continue;
		while (off + sizeof(ElfW(Nhdr)) <= ph->p_memsz) {
			const ElfW(Nhdr) *nh = (const void *)(p + off);
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
			const uint8_t *d = p + off + sizeof(*nh) + name;

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4) {
				char *o = out;

				for (unsigned k = 0; k < nh->n_descsz && k < 32; k++)
					o += sprintf(o, "%02x", d[k]);
				return 1;
			}
			off += sizeof(*nh) + name + desc;
		}
	}
	return 1;
}

static int file_crc(const char *path, char *out, size_t len, struct err *e)
{
	cleanup_free char *buf = NULL;
	size_t n;

	if (util_read_file(path, 256u << 20, &buf, &n, e) < 0)
		return -1;
	snprintf(out, len, "crc32c %08x size %zu", vmm_crc32c(0, buf, n), n);
	return 0;
}

static int build_meta(struct vmm *vm, char *meta, size_t len, struct err *e)
{
	char kernel[128], initrd[64] = "none", vmm_id[80] = "unknown";
	const struct kvm_cpuid2 *c = vm->kvm.supported_cpuid;
	int n;

	if (vmm_boot_kernel_id(vm->cfg->kernel, kernel, sizeof(kernel), e) < 0)
		return -1;
	if (vm->cfg->initrd && file_crc(vm->cfg->initrd, initrd, sizeof(initrd), e) < 0)
		return err_prefix(e, "initrd %s", vm->cfg->initrd);
	dl_iterate_phdr(find_build_id, vmm_id);
	n = snprintf(
		meta, len,
		"incept snapshot format %u\nkernel: %s\ninitrd: %s\ncmdline: %s\nvcpus: %u\n"
		"memory_mib: %llu\nvmm: build-id %s\nhost: %s\ncpuid: crc32c %08x entries %u\n",
		(unsigned)VMM_SNAP_VERSION, kernel, initrd, vm->cmdline, vm->nr_vcpus,
		(unsigned long long)vm->cfg->memory_mib, vmm_id,
		vmm_host_kind_name(vm->quirks.kind),
		vmm_crc32c(0, c->entries, c->nent * sizeof(c->entries[0])), c->nent);
	if (n < 0 || (size_t)n >= len)
		return err_set(e, ENAMETOOLONG, "snapshot identity too long");
	return 0;
}

/* The memory file was verified before if its inode, size and times are what we noted. */
static void stamp_text(const struct stat *st, uint64_t sum, char *buf, size_t len)
{
	snprintf(buf, len, "%llu %lld %lld.%09ld %lld.%09ld %016llx\n",
		 (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
		 st->st_ctim.tv_nsec, (unsigned long long)sum);
}

/* Notes the memory file `fd` in DIR/memory.ok as verified (best effort: without it the
 * next restore verifies again). */
static void note_verified(const char *dir, int fd, uint64_t sum)
{
	char path[PATH_MAX + 64], text[160];
	struct stat st;
	struct err e;

	if (fstat(fd, &st) < 0)
		return;
	stamp_text(&st, sum, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/memory.ok", dir);
	if (util_write_file_atomic(path, text, strlen(text), 0600, &e) < 0)
		log_debug("snapshot: %s", e.msg);
}

static int check_memory(struct vmm_snapshot *s, const struct snap_memory_info *mi,
			uint64_t want_size, struct err *e)
{
	char path[PATH_MAX + 64], want[160];
	cleanup_free char *have = NULL;
	struct stat st;
	size_t n;

	if (mi->size != want_size)
		return err_set(e, EINVAL, "memory is %llu bytes, want %llu",
			       (unsigned long long)mi->size, (unsigned long long)want_size);
	snprintf(path, sizeof(path), "%s/memory", s->dir);
	s->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->mem_fd < 0 || fstat(s->mem_fd, &st) < 0)
		return err_sys(e, errno, "open %s", path);
	stamp_text(&st, mi->sum, want, sizeof(want));
	snprintf(path, sizeof(path), "%s/memory.ok", s->dir);
	if (util_read_file(path, 4096, &have, &n, NULL) == 0 && !strcmp(have, want))
		return 0;
	if (vmm_snap_mem_verify(s->mem_fd, mi->size, mi->sum, e) < 0)
		return -1;
	note_verified(s->dir, s->mem_fd, mi->sum);
	return 0;
}

static void close_snapshot(struct vmm_snapshot *s)
{
	if (s->mem_fd >= 0)
		close(s->mem_fd);
	s->mem_fd = -1;
	free(s->state);
	s->state = NULL;
}

/* Opens DIR/<key> and checks every byte of it; leaves the reader after the memory section. */
static int open_snapshot(struct vmm_snapshot *s, uint64_t mem_size, struct err *e)
{
	char path[PATH_MAX + 64];
	struct snap_memory_info mi;
	uint64_t t = util_now_ns();

	snprintf(path, sizeof(path), "%s/state", s->dir);
	if (util_read_file(path, STATE_MAX, &s->state, &s->state_len, e) < 0)
		return -1;
	if (vmm_snap_open(&s->reader, (const uint8_t *)s->state, s->state_len, s->key, e) < 0 ||
	    vmm_snap_get(&s->reader, VMM_SNAP_TAG(VMM_SNAP_MEMORY, 0), &mi, sizeof(mi), e) < 0 ||
	    check_memory(s, &mi, mem_size, e) < 0) {
		close_snapshot(s);
		return -1;
	}
	s->verify_ns = util_now_ns() - t;
	return 0;
}

static int lock_for_build(struct vmm *vm, const char *base, struct err *e)
{
	struct vmm_snapshot *s = &vm->snap;
	char path[PATH_MAX + 32];
	uint64_t t = util_now_ns();

	snprintf(path, sizeof(path), "%s/%016llx.lock", base, (unsigned long long)s->key);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return err_sys(e, errno, "open %s", path);
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		log_info("snapshot %016llx: another VMM is building it; waiting",
			 (unsigned long long)s->key);
		if (flock(s->lock_fd, LOCK_EX) < 0)
			return err_sys(e, errno, "lock %s", path);
		log_debug("snapshot lock waited %llu ms",
			  (unsigned long long)((util_now_ns() - t) / 1000000));
	}
	return 0;
}

int vmm_snapshot_meta(struct vmm *vm, struct err *e)
{
	if (build_meta(vm, vm->snap.meta, sizeof(vm->snap.meta), e) < 0)
		return -1;
	vm->snap.key = vmm_snapshot_key_of(vm->snap.meta);
	return 0;
}

int vmm_snapshot_prepare(struct vmm *vm, struct err *e)
{
	struct vmm_snapshot *s = &vm->snap;
	const char *base = vm->cfg->snapshot_dir;
	struct err why;

	s->lock_fd = s->mem_fd = -1;
	if (vmm_snapshot_meta(vm, e) < 0)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "%s/%016llx", base, (unsigned long long)s->key);
	if (open_snapshot(s, vm->mem_size, &why) == 0)
		return (s->restoring = true), 0;
	if (util_mkdir_p(base, 0700, e) < 0 || lock_for_build(vm, base, e) < 0)
		return -1;
	/* Someone may have built it while we waited for the lock. */
	if (open_snapshot(s, vm->mem_size, &why) == 0) {
		close(s->lock_fd);
		s->lock_fd = -1;
		return (s->restoring = true), 0;
	}
	if (access(s->dir, F_OK) == 0) {
		log_debug("snapshot %s is unusable (%s): deleting it and building a new one",
			  s->dir, why.msg);
		if (util_rm_rf(s->dir, e) < 0)
			return -1;
	}
	log_info("snapshot %016llx: none yet for this kernel and shape; booting to build it",
		 (unsigned long long)s->key);
	s->building = true;
	return 0;
}

int vmm_snapshot_map_memory(struct vmm *vm, struct err *e)
{
	return vmm_mem_map_file(&vm->mem, vm->snap.mem_fd, vm->mem_size, e);
}

int vmm_snapshot_restore(struct vmm *vm, struct err *e)
{
	int r = vmm_state_restore(vm, &vm->snap.reader, e);

	if (r < 0)
		err_prefix(e, "restore snapshot %s", vm->snap.dir);
	else
		log_debug("snapshot %s restored (verified in %llu us)", vm->snap.dir,
			  (unsigned long long)(vm->snap.verify_ns / 1000));
	if (!vm->cfg->snapshot_only)
		close_snapshot(&vm->snap); /* the mapping keeps the memory file open */
	return r;
}

static int write_memory(struct vmm *vm, const char *dir, struct snap_memory_info *mi, struct err *e)
{
	char path[PATH_MAX + 64];
	cleanup_close int fd = -1;
	struct vmm_snap_mem_stats st;

	snprintf(path, sizeof(path), "%s/memory", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(e, errno, "create %s", path);
	if (vmm_snap_mem_write(&vm->mem, fd, &st, e) < 0)
		return -1;
	if (fsync(fd) < 0)
		return err_sys(e, errno, "fsync %s", path);
	*mi = (struct snap_memory_info){
		.size = vm->mem.size, .sum = st.sum, .data_pages = st.data_pages};
	log_debug("snapshot memory: %llu pages written, %llu zero pages left out",
		  (unsigned long long)st.data_pages, (unsigned long long)st.zero_pages);
	return 0;
}

static int write_files(struct vmm *vm, const char *tmp, struct snap_memory_info *mi, struct err *e)
{
	struct vmm_snap_writer w = {0};
	char path[PATH_MAX + 64];

	/* Memory first: its checksum is the state file's first section. */
	if (write_memory(vm, tmp, mi, e) < 0)
		return -1;
	vmm_snap_put(&w, VMM_SNAP_TAG(VMM_SNAP_MEMORY, 0), mi, sizeof(*mi));
	if (vmm_state_save(vm, &w, e) < 0) {
		free(w.buf);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/state", tmp);
	if (vmm_snap_write_file(&w, vm->snap.key, path, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/meta", tmp);
	return util_write_file_atomic(path, vm->snap.meta, strlen(vm->snap.meta), 0600, e);
}

static int fsync_dir(const char *path, struct err *e)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		return err_sys(e, errno, "fsync %s", path);
	return 0;
}

int vmm_snapshot_save(struct vmm *vm, struct err *e)
{
	struct vmm_snapshot *s = &vm->snap;
	char tmp[PATH_MAX + 32], path[PATH_MAX + 64];
	struct snap_memory_info mi;
	uint64_t t = util_now_ns();
	cleanup_close int fd = -1;
	struct err ignore;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", s->dir, (int)getpid());
	util_rm_rf(tmp, &ignore);
	if (mkdir(tmp, 0700) < 0)
		return err_sys(e, errno, "mkdir %s", tmp);
	if (write_files(vm, tmp, &mi, e) < 0 || fsync_dir(tmp, e) < 0) {
		util_rm_rf(tmp, &ignore);
		return err_prefix(e, "save snapshot");
	}
	if (rename(tmp, s->dir) < 0) {
		int err = errno;

		util_rm_rf(tmp, &ignore);
		return err_sys(e, err, "rename %s to %s", tmp, s->dir);
	}
	if (fsync_dir(vm->cfg->snapshot_dir, e) < 0)
		return -1;
	/* We just wrote and summed the memory file: no restore needs to verify it again. */
	snprintf(path, sizeof(path), "%s/memory", s->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		note_verified(s->dir, fd, mi.sum);
	s->taken = true;
	s->save_ns = util_now_ns() - t;
	log_info("snapshot %016llx saved in %llu ms", (unsigned long long)s->key,
		 (unsigned long long)(s->save_ns / 1000000));
	return 0;
}

void vmm_snapshot_release(struct vmm_snapshot *s)
{
	close_snapshot(s);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* drops the flock */
	s->lock_fd = -1;
}
