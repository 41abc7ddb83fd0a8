// SPDX-License-Identifier: Apache-2.0
/*
 * create's and start's work, shared by `create`, `start` and `run`, and the cleanup after
 * a container's VMM is gone, shared by `delete` and `run`. See ../shared/DESIGN.md
 * "Lifecycle": the VMM's pid is the container's pid; create returns once the agent has the
 * process ready to exec (state `created`).
 */
#define _GNU_SOURCE
#include "container.h"
#include "cleanup.h"
#include "oci/config.h"
#include "oci/state.h"
#include "systemd.h"
#include "util.h"
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What create sets up around the VMM, undone on failure. */
struct create_ctx {
	struct rt_bundle b;
	struct rt_spec spec;
	struct rt_config cfg;
	struct rt_launch l;
	struct oci_container *c;
	char *cgroup_dir;
	struct rt_systemd_unit unit; /* --systemd-cgroup */
	struct rt_cgroup_plan plan;  /* linux.resources, for the systemd scope once it exists */
	char *vsock_socket;
	char log_path[PATH_MAX];
	int pty_master, pty_slave, netns_fd;
	pid_t pid;
};

static int load_config(struct rt_config *cfg, struct err *e)
{
	char self[PATH_MAX];

	if (rt_self_dir(self, sizeof(self), e) < 0)
		return -1;
	return rt_config_load(cfg, self, e);
}

static int annotation_uint(const struct oci_config *cfg, const char *key, unsigned long long min,
			   unsigned long long max, unsigned long long *out, struct err *e)
{
	const char *v = oci_config_annotation(cfg, key);

	if (!v)
		return 0;
	if (util_parse_u64(v, 10, out) < 0 || *out < min || *out > max)
		return err_set(e, EINVAL, "annotation %s: want %llu..%llu, got \"%s\"", key, min,
			       max, v);
	return 0;
}

/* The VM's shape and start path: runtime config, then io.incept.* annotations, then flags. */
static int shape(struct create_ctx *x, const struct rt_create_opts *o, struct err *e)
{
	const struct oci_config *cfg = x->b.cfg;
	unsigned long long vcpus = x->cfg.vcpus, mib = x->cfg.memory_mib;
	const char *snap = oci_config_annotation(cfg, "io.incept.snapshot");

	if (annotation_uint(cfg, "io.incept.vcpus", 1, 32, &vcpus, e) < 0 ||
	    annotation_uint(cfg, "io.incept.memory_mib", 64, 1048576, &mib, e) < 0)
		return -1;
	if (snap && strcmp(snap, "true") && strcmp(snap, "false"))
		return err_set(e, EINVAL,
			       "annotation io.incept.snapshot: want true or false, got "
			       "\"%s\"",
			       snap);
	x->l.cfg = &x->cfg;
	x->l.vcpus = (unsigned)vcpus;
	x->l.memory_mib = mib;
	x->l.snapshot_dir = x->cfg.snapshot_dir;
	if (o->no_snapshot || (snap && !strcmp(snap, "false")))
		x->l.snapshot_dir = NULL;
	return 0;
}

/*
 * The state directory, status `creating`, locked; config.json copied in for later verbs, and
 * the compiled seccomp filter, so that exec does not compile it again.
 */
static int make_state(const struct rt_global *g, struct create_ctx *x, const char *id,
		      struct err *e)
{
	struct oci_state st = {0};
	char created[64], copy[PATH_MAX], src[PATH_MAX];
	cleanup_free char *text = NULL;
	size_t len;

	oci_state_timestamp(created, sizeof(created));
	st.oci_version = strdup(RT_SPEC_VERSION);
	st.id = strdup(id);
	st.bundle = strdup(x->b.dir);
	st.rootfs = strdup(x->b.rootfs);
	st.created = strdup(created);
	st.owner = strdup("");
	if (asprintf(&st.vmm_socket, "%s/%s/" RT_VMM_SOCKET, g->root, id) < 0)
		st.vmm_socket = NULL;
	if (!st.oci_version || !st.id || !st.bundle || !st.rootfs || !st.created || !st.owner ||
	    !st.vmm_socket) {
		oci_state_clear(&st);
		return err_sys(e, ENOMEM, "state");
	}
	for (size_t i = 0; i < x->b.cfg->n_annotations; i++)
		if (oci_state_annotate(&st, x->b.cfg->annotations[i].key,
				       x->b.cfg->annotations[i].value, e) < 0) {
			oci_state_clear(&st);
			return -1;
		}
	if (oci_container_create(g->root, &st, &x->c, e) < 0)
		return -1;
	x->vsock_socket = x->c->state.vmm_socket;
	snprintf(src, sizeof(src), "%s/config.json", x->b.dir);
	snprintf(copy, sizeof(copy), "%s/" RT_CONFIG_COPY, x->c->dir);
	if (util_read_file(src, OCI_CONFIG_MAX_SIZE, &text, &len, e) < 0 ||
	    util_write_file_atomic(copy, text, len, 0600, e) < 0)
		return -1;
	return rt_seccomp_store(x->c->dir, &x->spec.seccomp, e);
}

/* The VMM's stdio: a pty slave (master sent to the console socket) or create's own fds. */
static int setup_stdio(struct create_ctx *x, const struct rt_create_opts *o, struct err *e)
{
	const struct oci_process *p = x->b.cfg->process;

	for (int i = 0; i < 3; i++)
		x->l.stdio[i] = i;
	if (!p->terminal || !o->console_socket || !*o->console_socket)
		return 0;
	if (rt_pty_open(&x->pty_master, &x->pty_slave, p->console_height, p->console_width, e) <
		    0 ||
	    rt_console_send(o->console_socket, x->pty_master, e) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		x->l.stdio[i] = x->pty_slave;
	return 0;
}

/*
 * The guest's RAM is fixed by its snapshot (io.incept.memory_mib); no balloon gives memory
 * back. A host limit below it is honoured, and means the host OOM killer ends the VMM, and
 * with it the container (137), once the guest has touched that much (docs/runtime.md).
 */
static void warn_memory(const struct create_ctx *x, const struct oci_resources *r)
{
	unsigned long long ram = x->l.memory_mib << 20;

	if (r->has_memory && r->memory.has_limit && r->memory.limit > 0 &&
	    (unsigned long long)r->memory.limit < ram + RT_VMM_OVERHEAD)
		log_warn("memory limit %lld bytes is below the guest's RAM (%llu MiB) plus the "
			 "VMM's "
			 "own (~%d MiB): the host OOM killer ends the container (exit status 137) "
			 "once the guest uses that much",
			 (long long)r->memory.limit, x->l.memory_mib, (int)(RT_VMM_OVERHEAD >> 20));
}

/* linux.resources into the VMM's cgroup directory, before the VMM runs there. */
static int apply_plan(struct create_ctx *x, struct err *e)
{
	if (!x->plan.n)
		return 0;
	warn_memory(x, x->b.cfg->linux_cfg.resources);
	rt_cgroup_enable(x->cgroup_dir, &x->plan);
	return rt_cgroup_apply(x->cgroup_dir, &x->plan, e);
}

/* launch.c's place(): systemd makes the scope around the waiting VMM, then the limits. */
static int place_in_scope(void *arg, pid_t pid, struct err *e)
{
	struct create_ctx *x = arg;

	if (rt_systemd_start(&x->unit, x->c->id, pid, &x->plan, e) < 0)
		return -1;
	return apply_plan(x, e);
}

/*
 * --systemd-cgroup: cgroupsPath is "slice:prefix:name" (runc's driver), the cgroup is the
 * transient scope's. Without systemd on the host (no /run/systemd/system) nobody else manages
 * that hierarchy, so the same directory is made and joined directly.
 */
static int setup_systemd_cgroup(struct create_ctx *x, const char *root, struct err *e)
{
	if (rt_systemd_unit_parse(x->b.cfg->linux_cfg.cgroups_path, x->c->id, &x->unit, e) < 0)
		return -1;
	if (!root)
		return err_set(e, ENOENT, "systemd cgroup %s: no cgroup v2 hierarchy on this host",
			       x->unit.name);
	if (asprintf(&x->cgroup_dir, "%s%s", root, x->unit.rel) < 0) {
		x->cgroup_dir = NULL;
		return err_sys(e, ENOMEM, "cgroup");
	}
	if (rt_systemd_available()) {
		x->l.place = place_in_scope;
		x->l.place_arg = x;
		return (x->c->state.systemd_unit = strdup(x->unit.name))
			       ? 0
			       : err_sys(e, ENOMEM, "cgroup");
	}
	log_debug("systemd is not running here: %s is made directly", x->cgroup_dir);
	if (util_mkdir_p(x->cgroup_dir, 0755, e) < 0)
		return err_prefix(e, "cgroup");
	return apply_plan(x, e);
}

/*
 * The VMM's cgroup: cgroupsPath, or runc's default one when there are resources and no path.
 * linux.resources is written before the VMM joins, so it never runs unlimited; devices are
 * the guest's business (its own kernel), not the host cgroup's.
 */
static int setup_cgroup(const struct rt_global *g, struct create_ctx *x, struct err *e)
{
	const struct oci_linux *lx = &x->b.cfg->linux_cfg;
	const char *path = lx->cgroups_path;
	cleanup_free char *def = NULL;
	int r = 0;

	if (rt_cgroup_plan_build(lx->resources, NULL, &x->plan, e) < 0)
		return -1;
	if (g->systemd_cgroup)
		r = setup_systemd_cgroup(x, rt_cgroup_root(), e);
	else {
		if ((!path || !*path) && x->plan.n) {
			r = rt_cgroup_default_path(x->c->id, &def, e);
			path = def;
		}
		if (r == 0)
			r = rt_cgroup_prepare(path, &x->cgroup_dir, e);
		if (r == 0 && x->cgroup_dir)
			r = apply_plan(x, e);
	}
	if (r == 0 && x->cgroup_dir && !(x->c->state.cgroup_dir = strdup(x->cgroup_dir)))
		r = err_sys(e, ENOMEM, "cgroup");
	return r;
}

static int setup_host(const struct rt_global *g, struct create_ctx *x, struct err *e)
{
	const struct oci_namespace *net = oci_config_namespace(x->b.cfg, OCI_NS_NETWORK);

	x->l.vsock_socket = x->vsock_socket;
	snprintf(x->log_path, sizeof(x->log_path), "%s/vmm.log", x->c->dir);
	x->l.log_path = x->log_path;
	x->l.shares = x->spec.shares;
	x->l.nr_shares = x->spec.nr_shares;
	x->l.netns_fd = -1;
	x->l.debug = g->debug;
	if (net && net->path) {
		x->netns_fd = open(net->path, O_RDONLY | O_CLOEXEC);
		if (x->netns_fd < 0)
			return err_sys(e, errno, "open network namespace %s", net->path);
		x->l.netns_fd = x->netns_fd;
	}
	x->l.new_netns = net && !net->path;
	if (setup_cgroup(g, x, e) < 0)
		return -1;
	x->l.cgroup_dir = x->cgroup_dir;
	return 0;
}

/*
 * CREATE, once the VMM's pid is known: startContainer hooks read the state runc gives them
 * (status "created"; the pid is the VMM's, as `state` shows it).
 */
static int encode_create(void *arg, pid_t vmm_pid, struct proto_buf *b, struct err *e)
{
	struct create_ctx *x = arg;
	struct rt_json j;
	int r;

	if (!x->spec.c.nr_hooks)
		return proto_encode_container(b, &x->spec.c, e);
	rt_json_init(&j, NULL);
	rt_state_json(&j, &x->c->state, "created", (int)vmm_pid, x->c->state.owner);
	rt_buf_add(&j.buf, "", 1);
	if (j.buf.oom) {
		rt_buf_free(&j.buf);
		return err_sys(e, ENOMEM, "state");
	}
	x->spec.c.state_json = j.buf.p;
	r = proto_encode_container(b, &x->spec.c, e);
	x->spec.c.state_json = NULL;
	rt_buf_free(&j.buf);
	return r;
}

static int launch(struct create_ctx *x, struct err *e)
{
	return rt_launch_vmm(&x->l, encode_create, x, &x->pid, e);
}

char *rt_container_state_json(const struct oci_container *c, struct err *e)
{
	enum oci_status status = oci_container_status(c);
	struct rt_json j;

	rt_json_init(&j, NULL);
	rt_state_json(&j, &c->state, oci_status_name(status),
		      status == OCI_STATUS_STOPPED ? 0 : c->state.pid, c->state.owner);
	rt_buf_add(&j.buf, "", 1);
	if (j.buf.oom) {
		rt_buf_free(&j.buf);
		return err_sys(e, ENOMEM, "state"), NULL;
	}
	return j.buf.p;
}

static int write_pid_file(const char *path, pid_t pid, struct err *e)
{
	char digits[16];
	int n = snprintf(digits, sizeof(digits), "%d", (int)pid);

	if (!path || !*path)
		return 0;
	return util_write_file_atomic(path, digits, (size_t)n, 0644, e);
}

/* The VMM answered PID: record it, then the pid file and the create-time hooks. */
static int created(struct create_ctx *x, const struct rt_create_opts *o, struct err *e)
{
	const struct oci_hooks *h = &x->b.cfg->hooks;
	struct oci_container *c = x->c;
	cleanup_free char *json = NULL;
	char st;

	c->state.pid = x->pid;
	if (oci_pid_stat(x->pid, &c->state.pid_start, &st, e) < 0)
		return -1;
	c->state.status = OCI_STATUS_CREATED;
	c->creating = false;
	if (oci_container_save(c, e) < 0 || write_pid_file(o->pid_file, x->pid, e) < 0)
		return -1;
	json = rt_container_state_json(c, e);
	if (!json || rt_hooks_run(&h->prestart, "prestart", json, e) < 0 ||
	    rt_hooks_run(&h->create_runtime, "createRuntime", json, e) < 0 ||
	    rt_hooks_run(&h->create_container, "createContainer", json, e) < 0)
		return -1;
	return 0;
}

/*
 * Hooks that must run between the container's creation and its start (runc runs them in
 * create): with none, run lets the agent start the process at once and saves the START
 * round trip (a vsock stream in the guest, ~50-80 ms of emulated kernel on PVM).
 */
static bool create_hooks(const struct oci_hooks *h)
{
	return h->prestart.n || h->create_runtime.n || h->create_container.n;
}

static void ctx_free(struct create_ctx *x, bool failed)
{
	struct err ignored;

	if (failed) {
		rt_vmm_kill_reap(x->pid);
		if (x->c)
			oci_container_destroy(x->c, &ignored);
		oci_container_close(x->c);
		if (x->l.place) /* the scope may exist: the VMM was killed above */
			rt_systemd_stop(x->unit.name);
		if (x->cgroup_dir)
			rmdir(x->cgroup_dir);
	}
	rt_systemd_unit_free(&x->unit);
	rt_cgroup_plan_free(&x->plan);
	if (x->pty_master >= 0)
		close(x->pty_master);
	if (x->pty_slave >= 0)
		close(x->pty_slave);
	if (x->netns_fd >= 0)
		close(x->netns_fd);
	free(x->cgroup_dir);
	rt_spec_free(&x->spec);
	rt_bundle_free(&x->b);
}

int rt_container_create(const struct rt_global *g, const struct rt_create_opts *o, bool detach,
			const char *id, struct rt_created *out, struct err *e)
{
	struct create_ctx x = {.pty_master = -1, .pty_slave = -1, .netns_fd = -1};
	bool stdin_open;

	if (rt_bundle_load(g, o, detach, id, &x.b, e) < 0)
		return -1;
	stdin_open = x.b.cfg->process->terminal || !rt_fd_is_devnull(0);
	if (load_config(&x.cfg, e) < 0 || shape(&x, o, e) < 0 ||
	    rt_spec_build(&x.b, id, stdin_open, &x.spec, e) < 0) {
		ctx_free(&x, true);
		return -1;
	}
	/* run on the caller's own tty starts after its raw mode is set: not at once */
	x.spec.c.start_now =
		o->start_now && !create_hooks(&x.b.cfg->hooks) &&
		!(x.b.cfg->process->terminal && !(o->console_socket && *o->console_socket));
	if (make_state(g, &x, id, e) < 0 || setup_stdio(&x, o, e) < 0 || setup_host(g, &x, e) < 0 ||
	    launch(&x, e) < 0 || created(&x, o, e) < 0) {
		ctx_free(&x, true);
		return -1;
	}
	out->c = x.c;
	out->cfg = steal_ptr(&x.b.cfg);
	out->pid = x.pid;
	out->started = x.spec.c.start_now;
	ctx_free(&x, false);
	return 0;
}

struct oci_config *rt_container_config(const struct oci_container *c, struct err *e)
{
	struct oci_config *cfg;

	if (oci_config_load(c->dir, &cfg, e) < 0)
		return NULL;
	return cfg;
}

int rt_container_start(struct oci_container *c, struct err *e)
{
	struct proto_buf req;
	int r;

	proto_buf_init(&req);
	r = proto_encode_empty(&req, PROTO_START, e);
	if (r == 0)
		r = rt_agent_request(c->state.vmm_socket, &req, PROTO_OK, NULL, NULL, e);
	proto_buf_free(&req);
	if (r < 0)
		return -1;
	return rt_container_started(c, e);
}

int rt_container_started(struct oci_container *c, struct err *e)
{
	struct oci_config *cfg = NULL;
	cleanup_free char *json = NULL;
	int r;

	c->state.status = OCI_STATUS_RUNNING;
	if (oci_container_save(c, e) < 0)
		return -1;
	cfg = rt_container_config(c, e);
	json = cfg ? rt_container_state_json(c, e) : NULL;
	r = json ? rt_hooks_run(&cfg->hooks.poststart, "poststart", json, e) : -1;
	oci_config_free(cfg);
	return r;
}

int rt_container_cleanup(struct oci_container *c, struct err *e)
{
	struct oci_config *cfg;
	cleanup_free char *json = NULL;
	struct err warn;

	err_clear(&warn);
	cfg = rt_container_config(c, &warn);
	if (cfg) {
		json = rt_container_state_json(c, &warn);
		/* runc only warns about poststop hooks: the container is gone either way */
		if (json && rt_hooks_run(&cfg->hooks.poststop, "poststop", json, &warn) < 0)
			log_warn("%s", warn.msg);
		if (!c->state.cgroup_dir)
			rt_cgroup_remove(cfg->linux_cfg.cgroups_path);
		oci_config_free(cfg);
	}
	if (c->state.systemd_unit)
		rt_systemd_stop(c->state.systemd_unit);
	if (c->state.cgroup_dir)
		rt_cgroup_remove_dir(c->state.cgroup_dir);
	return oci_container_destroy(c, e);
}
