// SPDX-License-Identifier: Apache-2.0
/*
 * mounts[].options -> mount(2) flags, propagation, mount_setattr(2)
 * attributes and the filesystem data string, with runc's tables and rules
 * (libcontainer/specconv parseMountOptions): a later option overrides an
 * earlier one, anything unknown is filesystem data.
 */
#include "config_json.h"
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

struct flag_opt {
	const char *name;
	bool clear;
	unsigned long flag;
};

static const struct flag_opt mount_flag_opts[] = {
	{"async", true, MS_SYNCHRONOUS},
	{"atime", true, MS_NOATIME},
	{"bind", false, MS_BIND},
	{"defaults", false, 0},
	{"dev", true, MS_NODEV},
	{"diratime", true, MS_NODIRATIME},
	{"dirsync", false, MS_DIRSYNC},
	{"exec", true, MS_NOEXEC},
	{"iversion", false, MS_I_VERSION},
	{"lazytime", false, MS_LAZYTIME},
	{"loud", true, MS_SILENT},
	{"mand", false, MS_MANDLOCK},
	{"noatime", false, MS_NOATIME},
	{"nodev", false, MS_NODEV},
	{"nodiratime", false, MS_NODIRATIME},
	{"noexec", false, MS_NOEXEC},
	{"noiversion", true, MS_I_VERSION},
	{"nolazytime", true, MS_LAZYTIME},
	{"nomand", true, MS_MANDLOCK},
	{"norelatime", true, MS_RELATIME},
	{"nostrictatime", true, MS_STRICTATIME},
	{"nosuid", false, MS_NOSUID},
	{"nosymfollow", false, MS_NOSYMFOLLOW},
	{"rbind", false, MS_BIND | MS_REC},
	{"relatime", false, MS_RELATIME},
	{"remount", false, MS_REMOUNT},
	{"ro", false, MS_RDONLY},
	{"rw", true, MS_RDONLY},
	{"silent", false, MS_SILENT},
	{"strictatime", false, MS_STRICTATIME},
	{"suid", true, MS_NOSUID},
	{"sync", false, MS_SYNCHRONOUS},
	{"symfollow", true, MS_NOSYMFOLLOW},
};

static const struct flag_opt propagation_opts[] = {
	{"private", false, MS_PRIVATE},	      {"rprivate", false, MS_PRIVATE | MS_REC},
	{"shared", false, MS_SHARED},	      {"rshared", false, MS_SHARED | MS_REC},
	{"slave", false, MS_SLAVE},	      {"rslave", false, MS_SLAVE | MS_REC},
	{"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

static const struct flag_opt rec_attr_opts[] = {
	{"rro", false, MOUNT_ATTR_RDONLY},
	{"rrw", true, MOUNT_ATTR_RDONLY},
	{"rnosuid", false, MOUNT_ATTR_NOSUID},
	{"rsuid", true, MOUNT_ATTR_NOSUID},
	{"rnodev", false, MOUNT_ATTR_NODEV},
	{"rdev", true, MOUNT_ATTR_NODEV},
	{"rnoexec", false, MOUNT_ATTR_NOEXEC},
	{"rexec", true, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
	{"rdiratime", true, MOUNT_ATTR_NODIRATIME},
	{"rrelatime", false, MOUNT_ATTR_RELATIME},
	{"rnorelatime", true, MOUNT_ATTR_RELATIME},
	{"rnoatime", false, MOUNT_ATTR_NOATIME},
	{"ratime", true, MOUNT_ATTR_NOATIME},
	{"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
	{"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
	{"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

static const struct flag_opt *find_opt(const struct flag_opt *tab, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

long oci_propagation_flags(const char *name)
{
	const struct flag_opt *o;

	if (name[0] == '\0')
		return 0;
	o = find_opt(propagation_opts, ARRAY_SIZE(propagation_opts), name);
	return o ? (long)o->flag : -1;
}

static void apply_rec_attr(struct oci_mount *m, const struct flag_opt *o)
{
	if (o->clear) {
		m->attr_clr |= o->flag;
		m->attr_set &= ~(uint64_t)o->flag;
		return;
	}
	m->attr_set |= o->flag;
	m->attr_clr &= ~(uint64_t)o->flag;
	/* mount_setattr(2): an atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr. */
	if ((o->flag & MOUNT_ATTR__ATIME) == o->flag)
		m->attr_clr |= MOUNT_ATTR__ATIME;
}

/* Returns true if `opt` was a flag of some kind, false if it is filesystem data. */
static bool apply_option(struct oci_mount *m, const char *opt)
{
	const struct flag_opt *o;

	o = find_opt(mount_flag_opts, ARRAY_SIZE(mount_flag_opts), opt);
	if (o && o->flag) {
		if (o->clear) {
			m->flags &= ~o->flag;
			m->clear_flags |= o->flag;
		} else {
			m->flags |= o->flag;
			m->clear_flags &= ~o->flag;
		}
		return true;
	}
	if (o) /* "defaults": no flag, and runc passes it on as data */
		return false;
	if ((o = find_opt(propagation_opts, ARRAY_SIZE(propagation_opts), opt))) {
		m->propagation = o->flag;
		return true;
	}
	if ((o = find_opt(rec_attr_opts, ARRAY_SIZE(rec_attr_opts), opt))) {
		apply_rec_attr(m, o);
		return true;
	}
	if (strcmp(opt, "tmpcopyup") == 0) {
		m->tmpcopyup = true;
		return true;
	}
	return false;
}

int oci_mount_decode_options(struct oci_mount *m, struct err *e)
{
	size_t len = 0, pos = 0;

	for (size_t i = 0; i < m->options.n; i++)
		len += strlen(m->options.v[i]) + 1;
	m->data = malloc(len + 1);
	if (!m->data)
		return oci_nomem(e);
	m->data[0] = '\0';
	for (size_t i = 0; i < m->options.n; i++) {
		const char *opt = m->options.v[i];
		size_t n = strlen(opt);

		if (apply_option(m, opt))
			continue;
		if (pos)
			m->data[pos++] = ',';
		memcpy(m->data + pos, opt, n + 1);
		pos += n;
	}
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t oci_mount_option_names(const char **out, size_t max)
{
	const struct {
		const struct flag_opt *v;
		size_t n;
	} tabs[] = {{mount_flag_opts, ARRAY_SIZE(mount_flag_opts)},
		    {propagation_opts, ARRAY_SIZE(propagation_opts)},
		    {rec_attr_opts, ARRAY_SIZE(rec_attr_opts)}};
	size_t n = 0;

	for (size_t t = 0; t < ARRAY_SIZE(tabs); t++)
		for (size_t i = 0; i < tabs[t].n && n < max; i++)
			out[n++] = tabs[t].v[i].name;
	qsort(out, n, sizeof(*out), cmp_name);
	return n;
}
