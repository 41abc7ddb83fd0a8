// SPDX-License-Identifier: Apache-2.0
/* oci/state.c: ids, state.json round trip and validation, the directory, lock and status. */
#define _GNU_SOURCE
#include "unit.h"
#include "oci/state.h"
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[PATH_MAX];

static void id_case(const char *id, const char *want_err)
{
	struct err e;
	int r;

	err_clear(&e);
	r = oci_state_id_check(id, &e);
	if (want_err) {
		CHECK_INT(r, -1);
		CHECK_STR(e.msg, want_err);
	} else {
		CHECK_INT(r, 0);
	}
}

static void test_id(void)
{
	char longest[NAME_MAX + 2];

	id_case("a", NULL);
	id_case("abc-DEF_1.2+3", NULL);
	id_case(".hidden", NULL);
	id_case("a..b", NULL);
	id_case("...", NULL);
	memset(longest, 'x', NAME_MAX);
	longest[NAME_MAX] = '\0';
	id_case(longest, NULL);
	longest[NAME_MAX] = 'x';
	longest[NAME_MAX + 1] = '\0';
	id_case(longest, "invalid container ID format");
	id_case("", "container id cannot be empty");
	id_case(".", "invalid container ID format");
	id_case("..", "invalid container ID format");
	id_case("a/b", "invalid container ID format");
	id_case("../etc", "invalid container ID format");
	id_case("a b", "invalid container ID format");
	id_case("a\nb", "invalid container ID format");
	id_case("a,b", "invalid container ID format");
	id_case("caf\xc3\xa9", "invalid container ID format");
	id_case("a:b", "invalid container ID format");
}

static void test_status_names(void)
{
	enum oci_status s;

	CHECK_STR(oci_status_name(OCI_STATUS_CREATING), "creating");
	CHECK_STR(oci_status_name(OCI_STATUS_CREATED), "created");
	CHECK_STR(oci_status_name(OCI_STATUS_RUNNING), "running");
	CHECK_STR(oci_status_name(OCI_STATUS_PAUSED), "paused");
	CHECK_STR(oci_status_name(OCI_STATUS_STOPPED), "stopped");
	CHECK_INT(oci_status_parse("paused", &s), 0);
	CHECK_INT(s, OCI_STATUS_PAUSED);
	CHECK_INT(oci_status_parse("Paused", &s), -1);
	CHECK_INT(oci_status_parse("", &s), -1);
}

static void test_timestamp(void)
{
	char ts[64];

	for (int i = 0; i < 200; i++) {
		const char *dot, *z;

		oci_state_timestamp(ts, sizeof(ts));
		/* 2026-11-24T19:11:24[.fraction]Z with no trailing zero in the fraction */
		CHECK(strlen(ts) >= 20 && strlen(ts) <= 30);
		CHECK(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' && ts[13] == ':' &&
		      ts[16] == ':');
		z = strchr(ts, 'Z');
		CHECK(z && z[1] == '\0');
		dot = strchr(ts, '.');
		if (dot && z) {
			CHECK(z - dot >= 2 && z - dot <= 10);
			CHECK(z[-1] != '0');
		} else {
			CHECK(z == ts + 19);
		}
	}
}

static void fill_state(struct oci_state *s, const char *id)
{
	struct err e;

	memset(s, 0, sizeof(*s));
	s->oci_version = strdup("1.1.0");
	s->id = strdup(id);
	s->bundle = strdup("/b/\"quoted\"/bundle");
	s->rootfs = strdup("/b/bundle/rootfs");
	s->created = strdup("2026-11-24T19:11:24.346374442Z");
	s->owner = strdup("");
	s->vmm_socket = strdup("/run/incept/x/vmm.sock");
	s->pid = 4242;
	s->pid_start = 123456789012ull;
	s->status = OCI_STATUS_RUNNING;
	CHECK_INT(oci_state_annotate(s, "z.last", "3", &e), 0);
	CHECK_INT(oci_state_annotate(s, "a.first", "<&>\n\"", &e), 0);
	CHECK_INT(oci_state_annotate(s, "m.mid", "2", &e), 0);
}

static void test_annotate_sorted(void)
{
	struct oci_state s;
	struct err e;

	fill_state(&s, "x");
	CHECK_INT(s.n_annotations, 3);
	CHECK_STR(s.annotations[0].key, "a.first");
	CHECK_STR(s.annotations[1].key, "m.mid");
	CHECK_STR(s.annotations[2].key, "z.last");
	CHECK_INT(oci_state_annotate(&s, "m.mid", "replaced", &e), 0);
	CHECK_INT(s.n_annotations, 3);
	CHECK_STR(s.annotations[1].value, "replaced");
	oci_state_clear(&s);
	CHECK(s.annotations == NULL && s.id == NULL && s.n_annotations == 0);
}

static void test_round_trip(void)
{
	struct oci_state s, back;
	struct err e;
	char *text;

	fill_state(&s, "round");
	text = oci_state_serialize(&s, &e);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(strstr(text, "\"vmmSocket\"") != NULL);
	CHECK_INT(oci_state_parse(text, &back, &e), 0);
	CHECK_STR(back.oci_version, "1.1.0");
	CHECK_STR(back.id, "round");
	CHECK_STR(back.bundle, "/b/\"quoted\"/bundle");
	CHECK_STR(back.rootfs, "/b/bundle/rootfs");
	CHECK_STR(back.created, "2026-11-24T19:11:24.346374442Z");
	CHECK_STR(back.owner, "");
	CHECK_STR(back.vmm_socket, "/run/incept/x/vmm.sock");
	CHECK_INT(back.pid, 4242);
	CHECK(back.pid_start == 123456789012ull);
	CHECK_INT(back.status, OCI_STATUS_RUNNING);
	CHECK_INT(back.n_annotations, 3);
	if (back.n_annotations == 3) {
		CHECK_STR(back.annotations[0].key, "a.first");
		CHECK_STR(back.annotations[0].value, "<&>\n\"");
	}
	oci_state_clear(&back);
	oci_state_clear(&s);
	free(text);
}

#define GOOD_HEAD                                                                                  \
	"{\"ociVersion\":\"1.1.0\",\"id\":\"x\",\"bundle\":\"/b\",\"rootfs\":\"/b/r\","            \
	"\"created\":\"2026-01-01T00:00:00Z\""

static void parse_case(const char *text, const char *want_err_part)
{
	struct oci_state s;
	struct err e;
	int r;

	err_clear(&e);
	r = oci_state_parse(text, &s, &e);
	if (!want_err_part) {
		CHECK_INT(r, 0);
		oci_state_clear(&s);
		return;
	}
	CHECK_INT(r, -1);
	if (!strstr(e.msg, want_err_part))
		printf("# message \"%s\" lacks \"%s\"\n", e.msg, want_err_part);
	CHECK(strstr(e.msg, want_err_part) != NULL);
	CHECK(s.id == NULL && s.annotations == NULL); /* nothing leaks out of a failed parse */
}

static void test_parse_rejects(void)
{
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pid\":1,\"pidStartTime\":5}", NULL);
	parse_case(GOOD_HEAD ",\"status\":\"created\"}", NULL); /* pid optional (0) */
	parse_case(GOOD_HEAD ",\"status\":\"created\"} x", "invalid JSON");
	parse_case(GOOD_HEAD ",\"status\":\"created\"", "invalid JSON");
	parse_case("[]", "not a JSON object");
	parse_case("", "invalid JSON");
	parse_case(GOOD_HEAD ",\"status\":\"exploded\"}", "unknown status \"exploded\"");
	parse_case(GOOD_HEAD ",\"status\":1}", "\"status\" must be a string");
	parse_case(GOOD_HEAD "}", "missing \"status\"");
	parse_case("{\"id\":\"x\",\"status\":\"created\"}", "missing \"ociVersion\"");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pid\":-1}", "\"pid\" out of range");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pid\":2147483648}", "\"pid\" out of range");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pid\":\"1\"}",
		   "\"pid\" must be an integer");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pid\":1.5}", "\"pid\" must be an integer");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"pidStartTime\":-5}",
		   "\"pidStartTime\" out of range");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"annotations\":[]}",
		   "\"annotations\" must be an object");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"annotations\":{\"k\":1}}",
		   "annotation \"k\" must be a string");
	parse_case(GOOD_HEAD ",\"status\":\"created\",\"vmmSocket\":7}",
		   "\"vmmSocket\" must be a string");
	parse_case(GOOD_HEAD ",\"status\":\"paused\",\"pausedFrom\":\"created\"}", NULL);
	parse_case(GOOD_HEAD ",\"status\":\"paused\",\"pausedFrom\":\"stopped\"}",
		   "invalid pausedFrom \"stopped\"");
	parse_case(GOOD_HEAD ",\"status\":\"paused\",\"pausedFrom\":\"x\"}",
		   "invalid pausedFrom \"x\"");
	parse_case(GOOD_HEAD ",\"status\":\"running\",\"cgroupDir\":[]}",
		   "\"cgroupDir\" must be a string");
}

/* pause's bookkeeping and the VMM's cgroup survive a save and a load. */
static void test_round_trip_paused(void)
{
	struct oci_state s, back;
	struct err e;
	char *text;

	fill_state(&s, "p");
	s.status = OCI_STATUS_PAUSED;
	s.paused_from = OCI_STATUS_CREATED;
	s.cgroup_dir = strdup("/sys/fs/cgroup/x/p");
	s.systemd_unit = strdup("incept-p.scope");
	text = oci_state_serialize(&s, &e);
	CHECK(text != NULL);
	CHECK_INT(text ? oci_state_parse(text, &back, &e) : -1, 0);
	CHECK_INT(back.status, OCI_STATUS_PAUSED);
	CHECK_INT(back.paused_from, OCI_STATUS_CREATED);
	CHECK_STR(back.cgroup_dir, "/sys/fs/cgroup/x/p");
	CHECK_STR(back.systemd_unit, "incept-p.scope");
	oci_state_clear(&back);
	free(text);
	/* not paused: no pausedFrom written; a paused state without one resumes to running */
	s.status = OCI_STATUS_RUNNING;
	text = oci_state_serialize(&s, &e);
	CHECK(text && !strstr(text, "pausedFrom"));
	free(text);
	CHECK_INT(oci_state_parse(GOOD_HEAD ",\"status\":\"paused\"}", &back, &e), 0);
	CHECK_INT(back.paused_from, OCI_STATUS_RUNNING);
	oci_state_clear(&back);
	oci_state_clear(&s);
}

/* ---- the directory ---- */

static void new_root(const char *name)
{
	struct err e;

	snprintf(root, sizeof(root), "/tmp/incept-test-state.%d/%s", (int)getpid(), name);
	util_rm_rf(root, &e);
}

static int make_container(const char *id, enum oci_status status, pid_t pid,
			  unsigned long long start, struct oci_container **out)
{
	struct oci_state s;
	struct err e;
	int r;

	fill_state(&s, id);
	s.pid = pid;
	s.pid_start = start;
	r = oci_container_create(root, &s, out, &e);
	if (r < 0) {
		printf("# create %s: %s\n", id, e.msg);
		return r;
	}
	(*out)->state.status = status;
	r = oci_container_save(*out, &e);
	if (r < 0)
		printf("# save %s: %s\n", id, e.msg);
	return r;
}

static void test_create_exists(void)
{
	struct oci_container *c = NULL, *c2 = NULL;
	struct oci_state s;
	char path[PATH_MAX + 32];
	struct stat st;
	struct err e;

	new_root("exists");
	fill_state(&s, "one");
	CHECK_INT(oci_container_create(root, &s, &c, &e), 0);
	CHECK(s.id == NULL); /* taken over */
	if (!c)
		return;
	CHECK(c->locked && c->creating);
	CHECK_INT(c->state.status, OCI_STATUS_CREATING);
	snprintf(path, sizeof(path), "%s/one/state.json", root);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	fill_state(&s, "one");
	CHECK_INT(oci_container_create(root, &s, &c2, &e), -1);
	CHECK_STR(e.msg, "container with given ID already exists");
	CHECK_INT(e.errnum, EEXIST);
	CHECK(s.id == NULL);
	fill_state(&s, "bad/id");
	CHECK_INT(oci_container_create(root, &s, &c2, &e), -1);
	CHECK_STR(e.msg, "invalid container ID format");
	oci_container_close(c);
}

static void test_open_missing(void)
{
	struct oci_container *c = NULL;
	char path[PATH_MAX + 32];
	struct err e;

	new_root("missing");
	CHECK_INT(oci_container_open(root, "ghost", 0, &c, &e), -1);
	CHECK_STR(e.msg, "container \"ghost\" does not exist");
	CHECK_INT(e.errnum, ENOENT);
	/* A directory without state.json is no container either. */
	snprintf(path, sizeof(path), "%s/empty", root);
	CHECK_INT(util_mkdir_p(path, 0700, &e), 0);
	CHECK_INT(oci_container_open(root, "empty", OCI_OPEN_LOCK, &c, &e), -1);
	CHECK_STR(e.msg, "container \"empty\" does not exist");
	CHECK_INT(oci_container_open(root, "..", 0, &c, &e), -1);
	CHECK_STR(e.msg, "invalid container ID format");
	/* A state.json that names another container is refused. */
	snprintf(path, sizeof(path), "%s/empty/state.json", root);
	CHECK_INT(util_write_file_atomic(path, GOOD_HEAD ",\"status\":\"created\"}",
					 strlen(GOOD_HEAD) + 21, 0600, &e),
		  0);
	CHECK_INT(oci_container_open(root, "empty", 0, &c, &e), -1);
	CHECK(strstr(e.msg, "names container \"x\"") != NULL);
}

/* A child that sleeps until killed; its start time is what create would record. */
static pid_t spawn_sleeper(unsigned long long *start)
{
	struct err e;
	char st;
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK_INT(oci_pid_stat(pid, start, &st, &e), 0);
	return pid;
}

static void test_status_live(void)
{
	struct oci_container *c = NULL, *r = NULL;
	unsigned long long start = 0;
	pid_t pid = spawn_sleeper(&start);
	struct err e;

	new_root("live");
	CHECK_INT(make_container("live", OCI_STATUS_RUNNING, pid, start, &c), 0);
	oci_container_close(c);
	CHECK_INT(oci_container_open(root, "live", 0, &r, &e), 0);
	if (!r)
		return;
	CHECK_INT(oci_container_status(r), OCI_STATUS_RUNNING);
	r->state.status = OCI_STATUS_PAUSED;
	CHECK_INT(oci_container_status(r), OCI_STATUS_PAUSED);
	/* Same pid, other start time: a reused pid is not our VMM. */
	r->state.pid_start = start + 1;
	CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	/* No start time recorded: never trusted. */
	r->state.pid_start = 0;
	CHECK(!oci_pid_alive(pid, 0));
	CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	r->state.pid_start = start;
	r->state.status = OCI_STATUS_CREATED;
	CHECK_INT(oci_container_status(r), OCI_STATUS_CREATED);
	/* Dead (a zombie, not yet reaped) is stopped. */
	kill(pid, SIGKILL);
	for (int i = 0; i < 1000 && oci_pid_alive(pid, start); i++)
		usleep(1000);
	CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	waitpid(pid, NULL, 0);
	CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	r->state.status = OCI_STATUS_STOPPED;
	CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	oci_container_close(r);
}

static void test_status_creating(void)
{
	struct oci_container *c = NULL, *r = NULL;
	struct oci_state s;
	struct err e;

	new_root("creating");
	fill_state(&s, "mid");
	s.pid = 0;
	CHECK_INT(oci_container_create(root, &s, &c, &e), 0);
	if (!c)
		return;
	CHECK_INT(oci_container_status(c), OCI_STATUS_CREATING);
	/* A reader (no lock) sees the creator still holding it. */
	CHECK_INT(oci_container_open(root, "mid", 0, &r, &e), 0);
	if (r)
		CHECK_INT(oci_container_status(r), OCI_STATUS_CREATING);
	/* The creator goes away without finishing: a crashed create is stopped. */
	oci_container_close(c);
	if (r)
		CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	oci_container_close(r);
	/* And a locker that is not the creator sees it the same way. */
	CHECK_INT(oci_container_open(root, "mid", OCI_OPEN_LOCK, &r, &e), 0);
	if (r)
		CHECK_INT(oci_container_status(r), OCI_STATUS_STOPPED);
	oci_container_close(r);
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

/*
 * The child opens `id` with the lock and reports: 'o' opened, 'n' does not
 * exist, 'e' other. It first closes its copy of the parent's locked fd: a
 * flock belongs to the open file, which a forked child shares.
 */
static pid_t locker_child(const char *id, int wfd, int parent_lock_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct oci_container *c;
		struct err e;
		char res = 'o';

		close(parent_lock_fd);
		if (oci_container_open(root, id, OCI_OPEN_LOCK, &c, &e) < 0)
			res = e.errnum == ENOENT ? 'n' : 'e';
		else
			oci_container_close(c);
		if (write(wfd, &res, 1) != 1)
			_exit(2);
		_exit(0);
	}
	return pid;
}

static void test_lock_serializes(void)
{
	struct oci_container *c = NULL, *held = NULL;
	int p[2];
	char res = 0;
	struct err e;
	pid_t child;

	new_root("lock");
	CHECK_INT(make_container("l", OCI_STATUS_STOPPED, 0, 0, &c), 0);
	oci_container_close(c);
	CHECK_INT(oci_container_open(root, "l", OCI_OPEN_LOCK, &held, &e), 0);
	CHECK_INT(pipe(p), 0);
	child = locker_child("l", p[1], held->dir_fd);
	CHECK(!readable_within(p[0], 300)); /* blocked behind our lock */
	oci_container_close(held);
	CHECK(readable_within(p[0], 5000));
	CHECK_INT(read(p[0], &res, 1), 1);
	CHECK_INT(res, 'o');
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void test_lock_then_deleted(void)
{
	struct oci_container *c = NULL, *held = NULL;
	int p[2];
	char res = 0;
	struct err e;
	pid_t child;

	new_root("lockdel");
	CHECK_INT(make_container("d", OCI_STATUS_STOPPED, 0, 0, &c), 0);
	oci_container_close(c);
	CHECK_INT(oci_container_open(root, "d", OCI_OPEN_LOCK, &held, &e), 0);
	CHECK_INT(pipe(p), 0);
	child = locker_child("d", p[1], held->dir_fd);
	CHECK(!readable_within(p[0], 300));
	CHECK_INT(oci_container_destroy(held, &e), 0);
	oci_container_close(held);
	CHECK(readable_within(p[0], 5000));
	CHECK_INT(read(p[0], &res, 1), 1);
	CHECK_INT(res, 'n'); /* it waited on a directory that is gone */
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void test_save_needs_lock(void)
{
	struct oci_container *c = NULL, *r = NULL;
	struct err e;

	new_root("savelock");
	CHECK_INT(make_container("s", OCI_STATUS_CREATED, 0, 0, &c), 0);
	oci_container_close(c);
	CHECK_INT(oci_container_open(root, "s", 0, &r, &e), 0);
	if (!r)
		return;
	CHECK_INT(oci_container_save(r, &e), -1);
	CHECK_INT(oci_container_destroy(r, &e), -1);
	oci_container_close(r);
	CHECK_INT(oci_container_open(root, "s", OCI_OPEN_LOCK, &r, &e), 0);
	if (!r)
		return;
	r->state.status = OCI_STATUS_PAUSED;
	CHECK_INT(oci_container_save(r, &e), 0);
	oci_container_close(r);
	CHECK_INT(oci_container_open(root, "s", 0, &r, &e), 0);
	if (r)
		CHECK_INT(r->state.status, OCI_STATUS_PAUSED);
	oci_container_close(r);
}

static void test_list(void)
{
	struct oci_container *c;
	char path[PATH_MAX + 32];
	char **ids;
	size_t n;
	struct err e;

	new_root("list");
	CHECK_INT(oci_container_list(root, &ids, &n, &e), 0); /* no root yet: empty */
	CHECK_INT(n, 0);
	oci_container_list_free(ids, n);
	const char *names[] = {"b", "a", "Z", ".dot", "a-1"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		CHECK_INT(make_container(names[i], OCI_STATUS_STOPPED, 0, 0, &c), 0);
		oci_container_close(c);
	}
	snprintf(path, sizeof(path), "%s/.@new-leftover", root);
	CHECK_INT(util_mkdir_p(path, 0700, &e), 0);
	snprintf(path, sizeof(path), "%s/plainfile", root);
	CHECK_INT(util_write_file_atomic(path, "x", 1, 0600, &e), 0);
	CHECK_INT(oci_container_list(root, &ids, &n, &e), 0);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_STR(ids[0], ".dot");
		CHECK_STR(ids[1], "Z");
		CHECK_STR(ids[2], "a");
		CHECK_STR(ids[3], "a-1");
		CHECK_STR(ids[4], "b");
	}
	oci_container_list_free(ids, n);
}

static void test_pid_stat_odd_comm(void)
{
	unsigned long long start = 0, start2 = 0;
	int p[2];
	struct err e;
	char st = 0, c;
	pid_t pid;

	CHECK_INT(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		/* A process name made to confuse a naive parser. */
		prctl(PR_SET_NAME, "a) b ( 1 2 3", 0, 0, 0);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK_INT(read(p[0], &c, 1), 1);
	CHECK_INT(oci_pid_stat(pid, &start, &st, &e), 0);
	CHECK(start > 0);
	CHECK(st == 'S' || st == 'R');
	CHECK_INT(oci_pid_stat(getpid(), &start2, &st, &e), 0);
	CHECK(start >= start2); /* the child started after us */
	CHECK(oci_pid_alive(pid, start));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(!oci_pid_alive(pid, start));
	CHECK_INT(oci_pid_stat(pid, &start, &st, &e), -1);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	struct err e;
	char top[PATH_MAX];

	RUN(test_id);
	RUN(test_status_names);
	RUN(test_timestamp);
	RUN(test_annotate_sorted);
	RUN(test_round_trip);
	RUN(test_round_trip_paused);
	RUN(test_parse_rejects);
	RUN(test_create_exists);
	RUN(test_open_missing);
	RUN(test_status_live);
	RUN(test_status_creating);
	RUN(test_lock_serializes);
	RUN(test_lock_then_deleted);
	RUN(test_save_needs_lock);
	RUN(test_list);
	RUN(test_pid_stat_odd_comm);
	snprintf(top, sizeof(top), "/tmp/incept-test-state.%d", (int)getpid());
	util_rm_rf(top, &e);
	return unit_done();
}
