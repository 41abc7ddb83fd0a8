// SPDX-License-Identifier: Apache-2.0
/*
 * incept-fuse-host: the virtio-fs request handler serving /dev/fuse on the host, so the
 * server can be mounted and tested without a VM (tests/bats/fuse_host.bats).
 *
 *   incept-fuse-host [--share NAME=PATH[:ro]]... [--cache SECS] [--keep-cache] [--threads N]
 *                    [--debug] MOUNTPOINT
 *
 * Runs in the foreground until SIGTERM/SIGINT or an external umount, then unmounts and exits 0.
 */
#define _GNU_SOURCE
#include "vmm/fuse/fuse.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS    16
#define MAX_SHARE_ARGS 64

struct host {
	struct vfs_server *srv;
	int fuse_fd, stop_fd;
};

static int stop_fd = -1;

static void on_signal(int sig)
{
	uint64_t one = 1;
	ssize_t n;

	(void)sig;
	n = write(stop_fd, &one, sizeof(one));
	(void)n;
}

/* Serves requests until a stop is signalled or the filesystem is unmounted (ENODEV). */
static void *serve(void *arg)
{
	struct host *h = arg;
	cleanup_free uint8_t *in = malloc(VFS_MAX_REQUEST);
	cleanup_free uint8_t *out = malloc(VFS_MAX_WRITE + 4096);
	struct iovec iov = {out, VFS_MAX_WRITE + 4096};

	if (!in || !out)
		return NULL;
	for (;;) {
		struct pollfd p[2] = {{h->fuse_fd, POLLIN, 0}, {h->stop_fd, POLLIN, 0}};
		ssize_t n;
		size_t len;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents)
			return NULL;
		n = read(h->fuse_fd, in, VFS_MAX_REQUEST);
		if (n < 0 && errno == ENODEV)
			return NULL; /* unmounted */
		if (n < 0)
			continue; /* EAGAIN: another thread took it; ENOENT: interrupted */
		len = vfs_handle(h->srv, in, (size_t)n, &iov, 1);
		if (len && write(h->fuse_fd, out, len) < 0 && errno != ENOENT)
			log_warn("fuse reply: %s", strerror(errno));
	}
}

static int add_share(struct vfs_server *srv, const char *spec, struct err *e)
{
	const char *eq = strchr(spec, '=');
	char name[NAME_MAX + 1], path[PATH_MAX];
	size_t len;
	bool ro = false;

	if (!eq || (size_t)(eq - spec) >= sizeof(name) || strlen(eq + 1) >= sizeof(path))
		return err_set(e, EINVAL, "--share %s: want NAME=PATH[:ro]", spec);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
	snprintf(path, sizeof(path), "%s", eq + 1);
	len = strlen(path);
	if (len > 3 && !strcmp(path + len - 3, ":ro")) {
		ro = true;
		path[len - 3] = 0;
	}
	return vfs_share_add(srv, name, path, ro, e);
}

static int mount_fuse(struct host *h, const char *mnt, struct err *e)
{
	char opts[256];

	h->fuse_fd = open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (h->fuse_fd < 0)
		return err_sys(e, errno, "open /dev/fuse");
	/* default_permissions: the kernel checks modes, as the guest kernel does for virtio-fs. */
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40755,user_id=%u,group_id=%u,allow_other,default_permissions,"
		 "max_read=%u",
		 h->fuse_fd, getuid(), getgid(), VFS_MAX_WRITE);
	if (mount("incept", mnt, "fuse.incept", MS_NOSUID | MS_NODEV, opts) < 0)
		return err_sys(e, errno, "mount fuse on %s", mnt);
	return 0;
}

static int run(struct host *h, const char *mnt, unsigned threads, struct err *e)
{
	pthread_t tid[MAX_THREADS];
	unsigned started = 0;
	struct sigaction sa = {.sa_handler = on_signal};
	struct vfs_stats st;

	stop_fd = h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->stop_fd < 0)
		return err_sys(e, errno, "eventfd");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (mount_fuse(h, mnt, e) < 0)
		return -1;
	log_info("serving %s", mnt);
	for (; started < threads - 1; started++)
		if (pthread_create(&tid[started], NULL, serve, h) != 0)
			break;
	serve(h);
	on_signal(0); /* the main loop ended (unmount): stop the others too */
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (umount2(mnt, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		log_warn("umount %s: %s", mnt, strerror(errno));
	vfs_stats(h->srv, &st);
	log_info("served %llu requests (%llu errors)", (unsigned long long)st.requests,
		 (unsigned long long)st.errors);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: incept-fuse-host [--share NAME=PATH[:ro]]... [--cache SECS] "
			"[--keep-cache] [--threads N] [--debug] MOUNTPOINT\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct vfs_opts *opts, unsigned *threads,
		      const char **shares, unsigned *nr_shares)
{
	unsigned long long n;
	struct err e = {0};
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--share") && i + 2 < argc && *nr_shares < MAX_SHARE_ARGS) {
			shares[(*nr_shares)++] = argv[++i];
		} else if (!strcmp(argv[i], "--cache") && i + 2 < argc &&
			   util_parse_u64(argv[i + 1], 10, &n) == 0 && n <= 3600) {
			opts->cache_secs = (uint32_t)n;
			i++;
		} else if (!strcmp(argv[i], "--threads") && i + 2 < argc &&
			   util_parse_u64(argv[i + 1], 10, &n) == 0 && n >= 1 && n <= MAX_THREADS) {
			*threads = (unsigned)n;
			i++;
		} else if (!strcmp(argv[i], "--keep-cache")) {
			opts->keep_cache = true;
		} else if (!strcmp(argv[i], "--debug")) {
			log_open(NULL, LOG_FMT_TEXT, true, &e);
		} else {
			return -1;
		}
	}
	return i == argc - 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct vfs_opts opts = {0};
	struct host h = {.fuse_fd = -1, .stop_fd = -1};
	const char *shares[MAX_SHARE_ARGS];
	unsigned threads = 1, nr_shares = 0;
	struct err e = {0};
	int rc;

	err_clear(&e);
	if (parse_args(argc, argv, &opts, &threads, shares, &nr_shares) < 0)
		return usage();
	if (vfs_server_create(&opts, &h.srv, &e) < 0)
		goto fail;
	for (unsigned i = 0; i < nr_shares; i++)
		if (add_share(h.srv, shares[i], &e) < 0)
			goto fail;
	rc = run(&h, argv[argc - 1], threads, &e);
	vfs_server_destroy(h.srv);
	if (rc == 0)
		return 0;
fail:
	log_report(&e);
	return 1;
}
