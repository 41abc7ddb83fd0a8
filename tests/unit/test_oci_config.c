// SPDX-License-Identifier: Apache-2.0
/*
 * oci/config: valid configs parsed field by field (runc's default spec, a
 * Docker-style config), mount option decoding, exec's process.json, loading
 * from a bundle, the create-time checks, and `incept spec` against runc's.
 * The malformed-input table is in test_oci_config_errors.c.
 */
#define _GNU_SOURCE /* asprintf */
#include "unit.h"
#include "test_oci_util.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "cleanup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *argv0;

static struct oci_config *parse_file(const char *name)
{
	struct oci_config *c = NULL;
	struct err e = {0};
	size_t len = 0;
	char *json = oci_test_slurp(oci_test_data(argv0, name), &len);

	if (!json) {
		printf("# cannot read %s\n", oci_test_data(argv0, name));
		return NULL;
	}
	if (oci_config_parse(json, len, &c, &e) < 0)
		printf("# %s: %s\n", name, e.msg);
	free(json);
	return c;
}

/* Parses JSON written with ' for "; NULL (and e set) on failure. */
static struct oci_config *parse_q(const char *qjson, struct err *e)
{
	struct oci_config *c = NULL;
	char *json = oci_test_quote(qjson, strlen(qjson));

	if (oci_config_parse(json, strlen(json), &c, e) < 0)
		c = NULL;
	free(json);
	return c;
}

#define BASE(x) "{'ociVersion':'1.1.0','root':{'path':'rootfs'}" x "}"

static void check_default_common(const struct oci_config *c)
{
	const struct oci_process *p = c->process;

	CHECK_STR(c->oci_version, OCI_SPEC_VERSION);
	CHECK_STR(c->root.path, "rootfs");
	CHECK(c->root.readonly);
	CHECK_STR(c->hostname, OCI_SPEC_HOSTNAME);
	CHECK(c->domainname == NULL);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(p->terminal);
	CHECK(!p->has_console_size);
	CHECK_INT(p->user.uid, 0);
	CHECK(!p->user.has_umask);
	CHECK_INT(p->args.n, 1);
	CHECK_STR(p->args.v[0], "sh");
	CHECK(p->args.v[1] == NULL);
	CHECK_INT(p->env.n, 2);
	CHECK_STR(p->env.v[1], "TERM=xterm");
	CHECK_STR(p->cwd, "/");
	CHECK(p->capabilities && p->capabilities->bounding.n == 3 &&
	      p->capabilities->inheritable.n == 0 && p->capabilities->ambient.n == 3);
	CHECK_INT(p->n_rlimits, 1);
	CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
	CHECK_INT(p->rlimits[0].hard, 1024);
	CHECK_INT(p->rlimits[0].soft, 1024);
	CHECK(p->no_new_privileges);
	CHECK(!p->has_oom_score_adj);
	CHECK_INT(c->n_mounts, 7);
	CHECK_STR(c->mounts[2].destination, "/dev/pts");
	CHECK_INT(c->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
	CHECK_STR(c->mounts[6].destination, "/sys/fs/cgroup");
	CHECK_INT(c->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
	CHECK_STR(c->mounts[6].data, "");
	CHECK(c->has_linux);
	CHECK_INT(c->linux_cfg.masked_paths.n, 10);
	CHECK_STR(c->linux_cfg.masked_paths.v[9], "/proc/scsi");
	CHECK_INT(c->linux_cfg.readonly_paths.n, 5);
	CHECK(c->linux_cfg.seccomp == NULL);
}

static void test_default_spec_parses(void)
{
	struct err e = {0};
	cleanup_free char *json = oci_spec_generate(false, 0, 0, &e);
	struct oci_config *c = NULL;
	const struct oci_linux *l;

	CHECK(json != NULL);
	if (!json || oci_config_parse(json, strlen(json), &c, &e) < 0) {
		printf("# %s\n", e.msg);
		CHECK(0);
		return;
	}
	check_default_common(c);
	l = &c->linux_cfg;
	CHECK_STR(c->mounts[1].data, "mode=755,size=65536k");
	CHECK_INT(c->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	CHECK_STR(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	CHECK_INT(l->n_namespaces, 5);
	CHECK_INT(l->namespaces[1].type, OCI_NS_NETWORK);
	CHECK(l->namespaces[1].path == NULL);
	CHECK(oci_config_namespace(c, OCI_NS_USER) == NULL);
	CHECK(l->resources && l->resources->n_devices == 1);
	if (l->resources && l->resources->n_devices == 1) {
		CHECK(!l->resources->devices[0].allow);
		CHECK_INT(l->resources->devices[0].type, 'a');
		CHECK_INT(l->resources->devices[0].major, -1);
		CHECK_STR(l->resources->devices[0].access, "rwm");
	}
	CHECK_INT(oci_config_validate_for_create(c, &e), 0);
	oci_config_free(c);
}

static void test_default_spec_rootless_parses(void)
{
	struct err e = {0};
	cleanup_free char *json = oci_spec_generate(true, 1000, 1001, &e);
	struct oci_config *c = NULL;
	const struct oci_linux *l;

	if (!json || oci_config_parse(json, strlen(json), &c, &e) < 0) {
		printf("# %s\n", e.msg);
		CHECK(0);
		return;
	}
	check_default_common(c);
	l = &c->linux_cfg;
	CHECK_STR(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
	CHECK_STR(c->mounts[5].type, "none");
	CHECK_INT(c->mounts[5].flags,
		  MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	CHECK_INT(l->n_uid_mappings, 1);
	CHECK_INT(l->n_gid_mappings, 1);
	if (l->n_uid_mappings == 1 && l->n_gid_mappings == 1) {
		CHECK_INT(l->uid_mappings[0].container_id, 0);
		CHECK_INT(l->uid_mappings[0].host_id, 1000);
		CHECK_INT(l->uid_mappings[0].size, 1);
		CHECK_INT(l->gid_mappings[0].host_id, 1001);
	}
	CHECK(oci_config_namespace(c, OCI_NS_USER) != NULL);
	CHECK(oci_config_namespace(c, OCI_NS_NETWORK) == NULL);
	CHECK(l->resources == NULL);
	CHECK_INT(oci_config_validate_for_create(c, &e), 0);
	oci_config_free(c);
}

static void check_docker_process(const struct oci_process *p)
{
	CHECK(p->terminal);
	CHECK(p->has_console_size && p->console_height == 24 && p->console_width == 80);
	CHECK_INT(p->user.uid, 1000);
	CHECK_INT(p->user.gid, 1000);
	CHECK(p->user.has_umask);
	CHECK_INT(p->user.umask, 022);
	CHECK_INT(p->user.n_additional_gids, 3);
	if (p->user.n_additional_gids == 3) {
		CHECK_INT(p->user.additional_gids[0], 10);
		CHECK(p->user.additional_gids[2] == UINT32_MAX);
	}
	CHECK_INT(p->args.n, 3);
	CHECK_STR(p->args.v[2], "echo h\xc3\xa9llo && sleep 3600");
	CHECK_INT(p->env.n, 5);
	CHECK_STR(p->env.v[3], "EMPTY=");
	CHECK_STR(p->env.v[4], "EQ=a=b");
	CHECK(p->env.v[5] == NULL);
	CHECK_STR(p->cwd, "/app");
	CHECK(p->capabilities != NULL);
	if (p->capabilities) {
		CHECK_INT(p->capabilities->bounding.n, 14);
		CHECK_STR(p->capabilities->bounding.v[13], "CAP_AUDIT_WRITE");
		CHECK_INT(p->capabilities->permitted.n, 14);
		CHECK_INT(p->capabilities->ambient.n, 0);
		CHECK(p->capabilities->ambient.v == NULL);
	}
	CHECK_INT(p->n_rlimits, 2);
	if (p->n_rlimits == 2) {
		CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
		CHECK_INT(p->rlimits[0].hard, 1048576);
		CHECK_INT(p->rlimits[0].soft, 1024);
		CHECK_INT(p->rlimits[1].resource, RLIMIT_CORE);
		CHECK(p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == UINT64_MAX);
	}
	CHECK_STR(p->apparmor_profile, "docker-default");
	CHECK(p->has_oom_score_adj);
	CHECK_INT(p->oom_score_adj, -500);
	CHECK(p->no_new_privileges);
	CHECK(p->selinux_label == NULL); /* JSON null = absent */
}

static void check_docker_mounts(const struct oci_config *c)
{
	const struct oci_mount *m;

	CHECK_INT(c->n_mounts, 9);
	if (c->n_mounts != 9)
		return;
	m = &c->mounts[0];
	CHECK_STR(m->destination, "/proc");
	CHECK_STR(m->type, "proc");
	CHECK_STR(m->source, "proc");
	CHECK_INT(m->options.n, 3);
	CHECK_INT(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	m = &c->mounts[6];
	CHECK_STR(m->source, "/var/lib/docker/containers/4f1d2c3b5a69/mounts/shm");
	CHECK_INT(m->flags, MS_BIND | MS_REC);
	CHECK_INT(m->propagation, MS_PRIVATE | MS_REC);
	CHECK_STR(m->data, "");
	m = &c->mounts[8];
	CHECK_STR(m->destination, "/data");
	CHECK_INT(m->flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV);
	CHECK_INT(m->propagation, MS_SLAVE | MS_REC);
	CHECK_INT(m->attr_set, MOUNT_ATTR_RDONLY);
	CHECK_INT(m->attr_clr, 0);
	CHECK(!m->relative_destination);
}

static void check_docker_hooks(const struct oci_config *c)
{
	const struct oci_hooks *h = &c->hooks;

	CHECK_INT(h->prestart.n, 2);
	if (h->prestart.n == 2) {
		CHECK_STR(h->prestart.v[0].path, "/usr/bin/nvidia-container-runtime-hook");
		CHECK_INT(h->prestart.v[0].args.n, 2);
		CHECK_STR(h->prestart.v[0].args.v[1], "prestart");
		CHECK_INT(h->prestart.v[0].env.n, 2);
		CHECK_STR(h->prestart.v[0].env.v[1], "NVIDIA_VISIBLE_DEVICES=all");
		CHECK(h->prestart.v[0].has_timeout);
		CHECK_INT(h->prestart.v[0].timeout, 10);
		CHECK_INT(h->prestart.v[1].args.n, 4);
		CHECK_STR(h->prestart.v[1].args.v[3], "a1b2c3d4e5f6");
		CHECK(!h->prestart.v[1].has_timeout);
		CHECK_INT(h->prestart.v[1].env.n, 0);
	}
	CHECK_INT(h->create_runtime.n, 1);
	CHECK(h->create_runtime.n == 1 && h->create_runtime.v[0].timeout == 5 &&
	      h->create_runtime.v[0].args.n == 0);
	CHECK_INT(h->create_container.n, 0);
	CHECK_INT(h->start_container.n, 0);
	CHECK_INT(h->poststart.n, 0);
	CHECK_INT(h->poststop.n, 1);
	CHECK(h->poststop.n == 1 && strcmp(h->poststop.v[0].path, "/usr/bin/cleanup") == 0);
}

static void check_docker_resources(const struct oci_resources *r)
{
	CHECK_INT(r->n_devices, 3);
	if (r->n_devices == 3) {
		CHECK(r->devices[1].allow && r->devices[1].type == 'c');
		CHECK(r->devices[1].major == 1 && r->devices[1].minor == 5);
		CHECK_INT(r->devices[2].minor, -1);
		CHECK_STR(r->devices[2].access, "rw");
	}
	CHECK(r->has_memory && r->memory.has_limit && r->memory.limit == 536870912);
	CHECK(r->memory.has_reservation && r->memory.reservation == 268435456);
	CHECK(r->memory.has_swap && r->memory.swap == 1073741824);
	CHECK(!r->memory.has_kernel && !r->memory.has_kernel_tcp && !r->memory.has_use_hierarchy);
	CHECK(r->memory.has_swappiness && r->memory.swappiness == 60);
	CHECK(r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer);
	CHECK(r->has_cpu && r->cpu.has_shares && r->cpu.shares == 512);
	CHECK(r->cpu.has_quota && r->cpu.quota == 50000);
	CHECK(r->cpu.has_burst && r->cpu.burst == 10000);
	CHECK(r->cpu.has_period && r->cpu.period == 100000);
	CHECK(!r->cpu.has_realtime_runtime && !r->cpu.has_realtime_period);
	CHECK_STR(r->cpu.cpus, "0-1");
	CHECK_STR(r->cpu.mems, "0");
	CHECK(r->cpu.has_idle && r->cpu.idle == 0);
	CHECK(r->has_pids && r->pids_limit == 100);
	CHECK(r->has_blkio && r->blkio.has_weight && r->blkio.weight == 500);
	CHECK(!r->blkio.has_leaf_weight);
	CHECK_INT(r->blkio.n_weight_device, 1);
	CHECK(r->blkio.n_weight_device == 1 && r->blkio.weight_device[0].major == 8 &&
	      r->blkio.weight_device[0].has_weight && r->blkio.weight_device[0].weight == 300 &&
	      !r->blkio.weight_device[0].has_leaf_weight);
	CHECK(r->blkio.throttle_read_bps.n == 1 && r->blkio.throttle_read_bps.v[0].rate == 1048576);
	CHECK(r->blkio.throttle_write_iops.n == 1 && r->blkio.throttle_write_iops.v[0].minor == 16);
	CHECK_INT(r->blkio.throttle_write_bps.n + r->blkio.throttle_read_iops.n, 0);
	CHECK(r->n_hugepage_limits == 1 && strcmp(r->hugepage_limits[0].page_size, "2MB") == 0 &&
	      r->hugepage_limits[0].limit == 209715200);
	CHECK(r->n_unified == 1 && strcmp(r->unified[0].key, "memory.high") == 0 &&
	      strcmp(r->unified[0].value, "483183820") == 0);
}

static void check_docker_seccomp(const struct oci_seccomp *s)
{
	CHECK_INT(s->default_action, OCI_SECCOMP_ACT_ERRNO);
	CHECK(s->has_default_errno_ret && s->default_errno_ret == 1);
	CHECK_INT(s->architectures.n, 3);
	CHECK_STR(s->architectures.v[2], "SCMP_ARCH_X32");
	CHECK(!s->has_flags && s->flags.n == 0);
	CHECK(s->listener_path == NULL);
	CHECK_INT(s->n_syscalls, 4);
	if (s->n_syscalls != 4)
		return;
	CHECK_INT(s->syscalls[0].names.n, 9);
	CHECK_STR(s->syscalls[0].names.v[8], "write");
	CHECK_INT(s->syscalls[0].action, OCI_SECCOMP_ACT_ALLOW);
	CHECK_INT(s->syscalls[0].n_args, 0);
	CHECK_INT(s->syscalls[1].n_args, 1);
	CHECK(s->syscalls[1].n_args == 1 && s->syscalls[1].args[0].value == 131080 &&
	      s->syscalls[1].args[0].op == OCI_SECCOMP_OP_EQ);
	CHECK(s->syscalls[2].n_args == 1 && s->syscalls[2].args[0].value == 2114060288 &&
	      s->syscalls[2].args[0].value_two == 0 &&
	      s->syscalls[2].args[0].op == OCI_SECCOMP_OP_MASKED_EQ);
	CHECK_INT(s->syscalls[3].action, OCI_SECCOMP_ACT_ERRNO);
	CHECK(s->syscalls[3].has_errno_ret && s->syscalls[3].errno_ret == 38);
	CHECK(!s->syscalls[0].has_errno_ret);
	CHECK_STR(oci_seccomp_action_name(s->syscalls[3].action), "SCMP_ACT_ERRNO");
	CHECK_STR(oci_seccomp_op_name(OCI_SECCOMP_OP_MASKED_EQ), "SCMP_CMP_MASKED_EQ");
}

static void check_docker_linux(const struct oci_linux *l)
{
	CHECK_INT(l->n_sysctl, 2);
	CHECK(l->n_sysctl == 2 && strcmp(l->sysctl[1].key, "net.ipv4.ping_group_range") == 0 &&
	      strcmp(l->sysctl[1].value, "0 2147483647") == 0);
	CHECK_STR(l->cgroups_path, "system.slice:docker:4f1d2c3b5a69");
	CHECK_INT(l->n_namespaces, 6);
	if (l->n_namespaces == 6) {
		CHECK_INT(l->namespaces[0].type, OCI_NS_MOUNT);
		CHECK_INT(l->namespaces[1].type, OCI_NS_NETWORK);
		CHECK_STR(l->namespaces[1].path, "/var/run/netns/cni-7d2a1f3c");
		CHECK(l->namespaces[0].path == NULL);
		CHECK_INT(l->namespaces[5].type, OCI_NS_CGROUP);
		CHECK(l->namespaces[5].path == NULL); /* "" = a new one, as in Go */
	}
	CHECK_INT(l->n_devices, 2);
	if (l->n_devices == 2) {
		CHECK_STR(l->devices[0].path, "/dev/fuse");
		CHECK_INT(l->devices[0].type, 'c');
		CHECK(l->devices[0].major == 10 && l->devices[0].minor == 229);
		CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
		CHECK(l->devices[0].has_uid && l->devices[0].uid == 0 && l->devices[0].has_gid);
		CHECK_INT(l->devices[1].type, 'p');
		CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid);
	}
	CHECK(l->resources != NULL);
	if (l->resources)
		check_docker_resources(l->resources);
	CHECK(l->seccomp != NULL);
	if (l->seccomp)
		check_docker_seccomp(l->seccomp);
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK_INT(l->rootfs_propagation_flags, MS_SLAVE | MS_REC);
	CHECK_INT(l->masked_paths.n, 11);
	CHECK_STR(l->masked_paths.v[10], "/sys/devices/virtual/powercap");
	CHECK_INT(l->readonly_paths.n, 5);
	CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
	CHECK(l->personality && l->personality->domain == PER_LINUX32 &&
	      l->personality->flags.n == 0);
	CHECK_INT(l->n_uid_mappings + l->n_gid_mappings, 0);
}

static void test_docker_config(void)
{
	struct oci_config *c = parse_file("docker-config.json");
	struct err e = {0};

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.1.0");
	CHECK_STR(c->root.path, "/var/lib/docker/overlay2/9b1c3e0d/merged");
	CHECK(!c->root.readonly);
	CHECK_STR(c->hostname, "4f1d2c3b5a69");
	CHECK(c->process != NULL);
	if (c->process)
		check_docker_process(c->process);
	check_docker_mounts(c);
	check_docker_hooks(c);
	CHECK_INT(c->n_annotations, 3);
	CHECK_STR(oci_config_annotation(c, "io.incept.vcpus"), "2");
	CHECK_STR(oci_config_annotation(c, "empty"), "");
	CHECK(oci_config_annotation(c, "missing") == NULL);
	CHECK(c->has_linux);
	check_docker_linux(&c->linux_cfg);
	CHECK_INT(oci_config_validate_for_create(c, &e), 0);
	oci_config_free(c);
}

/* What `ctr oci spec` (containerd 1.6) prints: 4-space indent, no args until ctr adds them. */
static void test_containerd_default_spec(void)
{
	struct oci_config *c = parse_file("containerd-default-spec.json");
	struct err e = {0};

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.0.2-dev");
	CHECK(c->process && c->process->args.n == 0 && c->process->capabilities &&
	      c->process->capabilities->bounding.n == 14);
	CHECK_INT(c->n_mounts, 7);
	CHECK(c->linux_cfg.resources && c->linux_cfg.resources->n_devices == 1);
	CHECK_STR(c->linux_cfg.cgroups_path, "/default");
	CHECK_INT(c->linux_cfg.n_namespaces, 5);
	CHECK_INT(oci_config_validate_for_create(c, &e), -1);
	CHECK_STR(e.msg, "config.json: process.args: must be a non-empty array of strings");
	oci_config_free(c);
}

static void test_mount_options_decoded(void)
{
	struct err e = {0};
	struct oci_config *c = parse_q(
		BASE(",'mounts':[{'destination':'data','type':'tmpfs','options':['ro','nosuid',"
		     "'mode=755','rw','defaults','size=64k','rprivate','shared','rnoatime','rrw',"
		     "'tmpcopyup','suid','nosymfollow']}]"),
		&e);
	const struct oci_mount *m;

	CHECK(c != NULL);
	if (!c) {
		printf("# %s\n", e.msg);
		return;
	}
	m = &c->mounts[0];
	/* relative destinations are taken relative to "/", as runc does */
	CHECK_STR(m->destination, "/data");
	CHECK(m->relative_destination);
	CHECK(m->source == NULL);
	CHECK_INT(m->flags, MS_NOSYMFOLLOW);
	CHECK_INT(m->clear_flags, MS_RDONLY | MS_NOSUID);
	CHECK_INT(m->propagation, MS_SHARED); /* the last one wins */
	CHECK_INT(m->attr_set, MOUNT_ATTR_NOATIME);
	CHECK_INT(m->attr_clr, MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY);
	CHECK(m->tmpcopyup);
	CHECK_STR(m->data, "mode=755,defaults,size=64k");
	CHECK_INT(m->options.n, 13);
	oci_config_free(c);
}

static void test_nulls_and_unknown_fields(void)
{
	struct err e = {0};
	struct oci_config *c =
		parse_q(BASE(",'process':null,'hostname':null,'mounts':null,'linux':{'seccomp':{},"
			     "'sysctl':{'kernel.shmmax':null}},'x-future':{'a':[1,{}]}"),
			&e);

	CHECK(c != NULL);
	if (!c) {
		printf("# %s\n", e.msg);
		return;
	}
	CHECK(c->process == NULL);
	CHECK(c->hostname == NULL);
	CHECK_INT(c->n_mounts, 0);
	CHECK(c->linux_cfg.seccomp == NULL); /* no action and no rules: disabled, as in runc */
	CHECK(c->linux_cfg.n_sysctl == 1 && strcmp(c->linux_cfg.sysctl[0].value, "") == 0);
	oci_config_free(c);
}

static void test_seccomp_flags_presence(void)
{
	struct err e = {0};
	struct oci_config *c = parse_q(
		BASE(",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','flags':[]}}"), &e);

	CHECK(c && c->linux_cfg.seccomp);
	if (c && c->linux_cfg.seccomp) {
		CHECK(c->linux_cfg.seccomp->has_flags);
		CHECK_INT(c->linux_cfg.seccomp->flags.n, 0);
		CHECK_INT(c->linux_cfg.seccomp->n_syscalls, 0);
	}
	oci_config_free(c);
	c = parse_q(BASE(",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_LOG','flags':["
			 "'SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
			 "'listenerPath':'/run/seccomp.sock','listenerMetadata':'m'}}"),
		    &e);
	CHECK(c && c->linux_cfg.seccomp);
	if (c && c->linux_cfg.seccomp) {
		CHECK_INT(c->linux_cfg.seccomp->default_action, OCI_SECCOMP_ACT_LOG);
		CHECK_INT(c->linux_cfg.seccomp->flags.n, 2);
		CHECK_STR(c->linux_cfg.seccomp->listener_path, "/run/seccomp.sock");
		CHECK_STR(c->linux_cfg.seccomp->listener_metadata, "m");
	}
	oci_config_free(c);
}

static void test_integer_limits(void)
{
	struct err e = {0};
	struct oci_config *c = parse_q(
		BASE(",'process':{'args':['a'],'cwd':'/','user':{'uid':4294967295,'gid':0,"
		     "'umask':511},'oomScoreAdj':-1000,'consoleSize':{'height':65535,'width':0}},"
		     "'linux':{'resources':{'memory':{'limit':-1,'swap':9223372036854775807},"
		     "'cpu':{'realtimeRuntime':-9223372036854775808,'period':18446744073709551615}}"
		     "}"),
		&e);

	CHECK(c != NULL);
	if (!c) {
		printf("# %s\n", e.msg);
		return;
	}
	CHECK(c->process->user.uid == UINT32_MAX);
	CHECK_INT(c->process->user.umask, 0777);
	CHECK_INT(c->process->oom_score_adj, -1000);
	CHECK_INT(c->process->console_height, 65535);
	CHECK_INT(c->linux_cfg.resources->memory.limit, -1);
	CHECK(c->linux_cfg.resources->memory.swap == INT64_MAX);
	CHECK(c->linux_cfg.resources->cpu.realtime_runtime == INT64_MIN);
	CHECK(c->linux_cfg.resources->cpu.period == UINT64_MAX);
	oci_config_free(c);
}

/* `incept spec` must print what `runc spec` prints, but for ociVersion and hostname. */
static void check_spec_matches_runc(bool rootless, const char *fixture)
{
	struct err e = {0};
	size_t len = 0;
	char *runc = oci_test_slurp(oci_test_data(argv0, fixture), &len);
	char *ours = oci_spec_generate(rootless, 0, 0, &e);
	char *want = NULL;

	CHECK(runc && ours);
	if (runc && ours) {
		/* runc 1.1.5 writes ociVersion "1.0.2-dev" and hostname "runc". */
		const char *v = strstr(runc, "\"1.0.2-dev\""), *h = strstr(runc, "\"runc\"");

		CHECK(v && h && v < h);
		if (v && h && v < h &&
		    asprintf(&want, "%.*s\"%s\"%.*s\"%s\"%s", (int)(v - runc), runc,
			     OCI_SPEC_VERSION, (int)(h - v - 11), v + 11, OCI_SPEC_HOSTNAME,
			     h + 6) > 0)
			CHECK_STR(ours, want);
	}
	free(want);
	free(runc);
	free(ours);
}

static void test_spec_matches_runc(void)
{
	check_spec_matches_runc(false, "runc-spec.json");
}

static void test_spec_rootless_matches_runc(void)
{
	check_spec_matches_runc(true, "runc-spec-rootless.json");
}

static void test_spec_default_uses_euid(void)
{
	struct err e = {0};
	char *json = oci_spec_default(true, &e);
	struct oci_config *c = NULL;

	CHECK(json && oci_config_parse(json, strlen(json), &c, &e) == 0);
	if (c)
		CHECK(c->linux_cfg.n_uid_mappings == 1 &&
		      c->linux_cfg.uid_mappings[0].host_id == geteuid() &&
		      c->linux_cfg.gid_mappings[0].host_id == getegid());
	oci_config_free(c);
	free(json);
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	RUN(test_default_spec_parses);
	RUN(test_default_spec_rootless_parses);
	RUN(test_docker_config);
	RUN(test_containerd_default_spec);
	RUN(test_mount_options_decoded);
	RUN(test_nulls_and_unknown_fields);
	RUN(test_seccomp_flags_presence);
	RUN(test_integer_limits);
	RUN(test_spec_matches_runc);
	RUN(test_spec_rootless_matches_runc);
	RUN(test_spec_default_uses_euid);
	return unit_done();
}
