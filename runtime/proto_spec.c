// SPDX-License-Identifier: Apache-2.0
/*
 * config.json (struct oci_config) -> the CREATE message's struct proto_container, and an
 * oci_process -> struct proto_process (create's init, exec's processes). Strings point into
 * the config; what has to be made (share names, sysctl "k=v", absolute bind sources) is
 * kept in the rt_spec and freed with it.
 */
#define _GNU_SOURCE /* asprintf */
#include "container.h"
#include "oci/config.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define CAP(n)                                                                                     \
	{                                                                                          \
		"CAP_" #n, CAP_##n                                                                 \
	}
/* The kernel's capability numbers, by the names config.json uses. */
static const struct {
	const char *name;
	int bit;
} cap_names[] = {
	CAP(CHOWN),
	CAP(DAC_OVERRIDE),
	CAP(DAC_READ_SEARCH),
	CAP(FOWNER),
	CAP(FSETID),
	CAP(KILL),
	CAP(SETGID),
	CAP(SETUID),
	CAP(SETPCAP),
	CAP(LINUX_IMMUTABLE),
	CAP(NET_BIND_SERVICE),
	CAP(NET_BROADCAST),
	CAP(NET_ADMIN),
	CAP(NET_RAW),
	CAP(IPC_LOCK),
	CAP(IPC_OWNER),
	CAP(SYS_MODULE),
	CAP(SYS_RAWIO),
	CAP(SYS_CHROOT),
	CAP(SYS_PTRACE),
	CAP(SYS_PACCT),
	CAP(SYS_ADMIN),
	CAP(SYS_BOOT),
	CAP(SYS_NICE),
	CAP(SYS_RESOURCE),
	CAP(SYS_TIME),
	CAP(SYS_TTY_CONFIG),
	CAP(MKNOD),
	CAP(LEASE),
	CAP(AUDIT_WRITE),
	CAP(AUDIT_CONTROL),
	CAP(SETFCAP),
	CAP(MAC_OVERRIDE),
	CAP(MAC_ADMIN),
	CAP(SYSLOG),
	CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND),
	CAP(AUDIT_READ),
	CAP(PERFMON),
	CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};

const char *rt_cap_name(size_t i)
{
	return i < sizeof(cap_names) / sizeof(cap_names[0]) ? cap_names[i].name : NULL;
}

uint64_t rt_caps_mask(char *const *names, size_t n)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof(cap_names) / sizeof(cap_names[0]); k++)
			if (!strcmp(names[i], cap_names[k].name))
				break;
		if (k == sizeof(cap_names) / sizeof(cap_names[0]))
			log_warn("ignoring unknown or unavailable capabilities: [%s]", names[i]);
		else
			mask |= 1ull << cap_names[k].bit;
	}
	return mask;
}

bool rt_fd_is_devnull(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static int set_caps(const struct oci_capabilities *c, struct proto_process *out)
{
	const struct oci_strv *sets[PROTO_CAP_SETS] = {&c->bounding, &c->effective, &c->inheritable,
						       &c->permitted, &c->ambient};

	out->has_caps = true;
	for (int i = 0; i < PROTO_CAP_SETS; i++)
		out->caps[i] = rt_caps_mask(sets[i]->v, sets[i]->n);
	return 0;
}

int rt_proto_process(const struct oci_process *p, bool stdin_open, struct proto_process *out,
		     struct err *e)
{
	memset(out, 0, sizeof(*out));
	out->args = (const char **)p->args.v;
	out->nr_args = (uint32_t)p->args.n;
	out->env = (const char **)p->env.v;
	out->nr_env = (uint32_t)p->env.n;
	out->cwd = p->cwd;
	out->uid = p->user.uid;
	out->gid = p->user.gid;
	out->gids = p->user.additional_gids;
	out->nr_gids = (uint32_t)p->user.n_additional_gids;
	out->has_umask = p->user.has_umask;
	out->umask = p->user.umask;
	out->terminal = p->terminal;
	if (p->has_console_size) {
		out->rows = p->console_height;
		out->cols = p->console_width;
	}
	out->no_new_privs = p->no_new_privileges;
	if (p->capabilities)
		set_caps(p->capabilities, out);
	if (p->n_rlimits) {
		out->rlimits = calloc(p->n_rlimits, sizeof(*out->rlimits));
		if (!out->rlimits)
			return err_sys(e, ENOMEM, "rlimits");
		for (size_t i = 0; i < p->n_rlimits; i++) {
			out->rlimits[i].resource = (uint32_t)p->rlimits[i].resource;
			out->rlimits[i].soft = p->rlimits[i].soft;
			out->rlimits[i].hard = p->rlimits[i].hard;
		}
		out->nr_rlimits = (uint32_t)p->n_rlimits;
	}
	out->has_oom_score_adj = p->has_oom_score_adj;
	out->oom_score_adj = p->oom_score_adj;
	out->open_stdin = stdin_open;
	return 0;
}

int rt_proto_seccomp(const struct oci_config *cfg, const char *cache_dir, struct rt_seccomp *sc,
		     struct proto_process *p, struct err *e)
{
	if (!cfg->linux_cfg.seccomp)
		return 0;
	if (rt_seccomp_compile_cached(cache_dir, cfg->linux_cfg.seccomp, sc, e) < 0)
		return -1;
	p->seccomp_bpf = sc->bpf;
	p->seccomp_len = (uint32_t)sc->len;
	p->seccomp_flags = sc->flags;
	log_debug("seccomp: %zu BPF instructions, flags %#x", sc->len / PROTO_SECCOMP_INSN_SIZE,
		  sc->flags);
	return 0;
}

void rt_proto_process_free(struct proto_process *p)
{
	free(p->rlimits);
	p->rlimits = NULL;
}

/* Keeps a made string for the spec's lifetime. */
static char *keep(struct rt_spec *s, char *str, struct err *e)
{
	char **v;

	if (!str)
		return err_sys(e, ENOMEM, "config"), NULL;
	v = realloc(s->strings, (s->nr_strings + 1) * sizeof(*v));
	if (!v) {
		free(str);
		return err_sys(e, ENOMEM, "config"), NULL;
	}
	s->strings = v;
	s->strings[s->nr_strings++] = str;
	return str;
}

/*
 * ro: read-only for the guest (`incept-vmm --share NAME=PATH:ro`); keep: the guest keeps file
 * data cached across opens (`:keep`; the VMM ignores it on PVM, docs/virtio-fs.md "Caching").
 */
static int add_share(struct rt_spec *s, const char *name, const char *path, bool ro, bool keep,
		     struct err *e)
{
	char *v, **a = realloc(s->shares, (s->nr_shares + 1) * sizeof(*a));

	if (!a)
		return err_sys(e, ENOMEM, "shares");
	s->shares = a;
	if (asprintf(&v, "%s=%s%s%s", name, path, ro ? ":ro" : "", keep ? ":keep" : "") < 0)
		return err_sys(e, ENOMEM, "shares");
	s->shares[s->nr_shares++] = v;
	return 0;
}

static bool is_bind(const struct oci_mount *m)
{
	return (m->flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
}

/* A bind's source is shared with the VMM under the name b<i>; relative means the bundle's. */
static int bind_mount(const struct rt_bundle *b, const struct oci_mount *m, unsigned i,
		      struct proto_mount *pm, struct rt_spec *s, struct err *e)
{
	char *name, *src = NULL;
	struct stat st;

	if (!m->source || !*m->source)
		return err_set(e, EINVAL, "mount %s: a bind mount needs a source", m->destination);
	if (m->source[0] == '/')
		src = strdup(m->source);
	else if (asprintf(&src, "%s/%s", b->dir, m->source) < 0)
		src = NULL;
	if (!keep(s, src, e))
		return -1;
	if (stat(src, &st) < 0)
		return err_sys(e, errno, "error mounting \"%s\" to rootfs at \"%s\": stat %s",
			       m->source, m->destination, src);
	if (asprintf(&name, "b%u", i) < 0)
		name = NULL;
	if (!keep(s, name, e) || add_share(s, name, src, pm->flags & MS_RDONLY, false, e) < 0)
		return -1;
	pm->type = "bind";
	pm->source = name;
	pm->flags |= MS_BIND;
	return 0;
}

/*
 * rro, rnosuid, ... (mount_setattr(2) attributes, runc applies them recursively) as plain mount
 * flags: a mount in the guest has no submounts to recurse into (a bind is one virtio-fs share,
 * whose host submounts the VMM serves as directories), so the two mean the same there; and a
 * read-only one must also make the share read-only in the VMM.
 */
static unsigned long attr_flags(uint64_t attr)
{
	static const struct {
		uint64_t attr;
		unsigned long flag;
	} map[] = {
		{MOUNT_ATTR_RDONLY, MS_RDONLY},		{MOUNT_ATTR_NOSUID, MS_NOSUID},
		{MOUNT_ATTR_NODEV, MS_NODEV},		{MOUNT_ATTR_NOEXEC, MS_NOEXEC},
		{MOUNT_ATTR_NOATIME, MS_NOATIME},	{MOUNT_ATTR_STRICTATIME, MS_STRICTATIME},
		{MOUNT_ATTR_NODIRATIME, MS_NODIRATIME}, {MOUNT_ATTR_NOSYMFOLLOW, MS_NOSYMFOLLOW},
	};
	unsigned long flags = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (attr & map[i].attr)
			flags |= map[i].flag;
	return flags;
}

static int build_mounts(const struct rt_bundle *b, struct rt_spec *s, struct err *e)
{
	const struct oci_config *cfg = b->cfg;
	unsigned binds = 0;

	if (!cfg->n_mounts)
		return 0;
	s->c.mounts = calloc(cfg->n_mounts, sizeof(*s->c.mounts));
	if (!s->c.mounts)
		return err_sys(e, ENOMEM, "mounts");
	s->c.nr_mounts = (uint32_t)cfg->n_mounts;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		struct proto_mount *pm = &s->c.mounts[i];

		pm->dest = m->destination;
		pm->type = m->type;
		pm->source = m->source;
		pm->data = m->data && *m->data ? m->data : NULL;
		pm->flags = (m->flags & ~attr_flags(m->attr_clr)) | attr_flags(m->attr_set);
		pm->propagation = m->propagation;
		if (is_bind(m) && bind_mount(b, m, binds++, pm, s, e) < 0)
			return -1;
	}
	return 0;
}

/* A user namespace joined by path never gets here: rt_bundle_load refuses it. */
static uint32_t guest_namespaces(const struct oci_config *cfg)
{
	static const struct {
		enum oci_ns_type type;
		uint32_t flag;
	} map[] = {
		{OCI_NS_PID, CLONE_NEWPID},	  {OCI_NS_MOUNT, CLONE_NEWNS},
		{OCI_NS_UTS, CLONE_NEWUTS},	  {OCI_NS_IPC, CLONE_NEWIPC},
		{OCI_NS_CGROUP, CLONE_NEWCGROUP}, {OCI_NS_USER, CLONE_NEWUSER},
	};
	uint32_t ns = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (oci_config_namespace(cfg, map[i].type))
			ns |= map[i].flag;
	return ns;
}

static struct proto_id_mapping *id_map(const struct oci_id_mapping *m, size_t n, uint32_t *nr,
				       struct err *e)
{
	struct proto_id_mapping *v = calloc(n, sizeof(*v));

	if (!v)
		return err_sys(e, ENOMEM, "id mappings"), NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct proto_id_mapping){m[i].container_id, m[i].host_id, m[i].size};
	*nr = (uint32_t)n;
	return v;
}

/* The user namespace's mappings, written by the agent (oci/config.c: both are there). */
static int build_id_maps(const struct oci_config *cfg, struct rt_spec *s, struct err *e)
{
	const struct oci_linux *l = &cfg->linux_cfg;

	if (!(s->c.namespaces & CLONE_NEWUSER))
		return 0;
	s->c.uid_map = id_map(l->uid_mappings, l->n_uid_mappings, &s->c.nr_uid_map, e);
	if (!s->c.uid_map)
		return -1;
	s->c.gid_map = id_map(l->gid_mappings, l->n_gid_mappings, &s->c.nr_gid_map, e);
	return s->c.gid_map ? 0 : -1;
}

static int build_paths(const struct oci_config *cfg, struct rt_spec *s, struct err *e)
{
	const struct oci_linux *l = &cfg->linux_cfg;

	s->c.masked = (const char **)l->masked_paths.v;
	s->c.nr_masked = (uint32_t)l->masked_paths.n;
	s->c.readonly = (const char **)l->readonly_paths.v;
	s->c.nr_readonly = (uint32_t)l->readonly_paths.n;
	if (!l->n_sysctl)
		return 0;
	s->c.sysctl = calloc(l->n_sysctl, sizeof(*s->c.sysctl));
	if (!s->c.sysctl)
		return err_sys(e, ENOMEM, "sysctl");
	for (size_t i = 0; i < l->n_sysctl; i++) {
		char *kv;

		if (asprintf(&kv, "%s=%s", l->sysctl[i].key, l->sysctl[i].value) < 0)
			kv = NULL;
		if (!(s->c.sysctl[i] = keep(s, kv, e)))
			return -1;
		s->c.nr_sysctl++;
	}
	return 0;
}

/* config.json's startContainer hooks, run by the container's init in the guest (agent/hooks.c). */
static int build_hooks(const struct oci_config *cfg, struct rt_spec *s, struct err *e)
{
	const struct oci_hook_list *l = &cfg->hooks.start_container;

	if (!l->n)
		return 0;
	s->c.hooks = calloc(l->n, sizeof(*s->c.hooks));
	if (!s->c.hooks)
		return err_sys(e, ENOMEM, "hooks");
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_hook *h = &l->v[i];

		s->c.hooks[i] = (struct proto_hook){
			.path = h->path,
			.args = (const char **)h->args.v,
			.nr_args = (uint32_t)h->args.n,
			.env = (const char **)h->env.v,
			.nr_env = (uint32_t)h->env.n,
			.timeout = h->has_timeout ? (uint32_t)h->timeout : 0,
		};
	}
	s->c.nr_hooks = (uint32_t)l->n;
	return 0;
}

int rt_spec_build(const struct rt_bundle *b, const char *id, bool stdin_open, struct rt_spec *s,
		  struct err *e)
{
	const struct oci_config *cfg = b->cfg;

	memset(s, 0, sizeof(*s));
	s->c.id = id;
	s->c.rootfs = "rootfs";
	s->c.rootfs_ro = cfg->root.readonly;
	if (cfg->linux_cfg.personality) { /* the parser allows LINUX and LINUX32 only */
		s->c.has_personality = true;
		s->c.personality = (uint32_t)cfg->linux_cfg.personality->domain;
	}
	s->c.hostname = cfg->hostname;
	s->c.domainname = cfg->domainname;
	s->c.namespaces = guest_namespaces(cfg);
	/*
	 * The rootfs is shared writable even when root.readonly: like runc, the agent makes the
	 * mount points config.json needs (/proc, /dev, ...) first, then makes the root read-only
	 * in the guest (PROTO_T_ROOTFS_RO).
	 */
	/*
	 * :keep (FOPEN_KEEP_CACHE): an exec no longer re-reads its binary. The VMM drops it on
	 * PVM, where busybox processes died by SIGSEGV now and then with it (docs/virtio-fs.md
	 * "Caching", docs/pvm-quirks.md 14).
	 */
	if (add_share(s, "rootfs", b->rootfs, false, true, e) < 0 || build_mounts(b, s, e) < 0 ||
	    build_paths(cfg, s, e) < 0 || build_hooks(cfg, s, e) < 0 ||
	    build_id_maps(cfg, s, e) < 0 ||
	    rt_proto_process(cfg->process, stdin_open, &s->c.process, e) < 0 ||
	    rt_proto_seccomp(cfg, b->seccomp_cache, &s->seccomp, &s->c.process, e) < 0) {
		rt_spec_free(s);
		return -1;
	}
	return 0;
}

void rt_spec_free(struct rt_spec *s)
{
	for (size_t i = 0; i < s->nr_shares; i++)
		free(s->shares[i]);
	for (size_t i = 0; i < s->nr_strings; i++)
		free(s->strings[i]);
	free(s->shares);
	free(s->strings);
	free(s->c.mounts);
	free(s->c.sysctl);
	free(s->c.hooks);
	free(s->c.uid_map);
	free(s->c.gid_map);
	rt_proto_process_free(&s->c.process);
	rt_seccomp_free(&s->seccomp);
	memset(s, 0, sizeof(*s));
}
