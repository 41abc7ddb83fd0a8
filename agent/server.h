/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's server state (docs/protocol.md): connections, the container's processes and
 * the one container of this guest. rpc.c runs the event loop and the connections; spawn.c
 * creates processes and follows them until their EXIT.
 */
#ifndef AGENT_SERVER_H
#define AGENT_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "container.h"
#include "error.h"
#include "proto.h"
#include "stdio.h"

#define AGENT_MAX_CONNS	   64
#define AGENT_MAX_PROCS	   64
#define AGENT_CONN_OUT_CAP (256u << 10) /* output pipes wait while a stream has this queued */

struct agent_conn;

struct agent_proc {
	pid_t pid; /* 0: a free slot */
	bool is_init;
	bool running; /* PID (exec) or ready (init) was sent: output may flow */
	bool failed;  /* ERROR instead of PID: no EXIT */
	bool reaped;
	bool exit_sent;
	bool start_now; /* init of a CREATE with START_NOW: PID goes out after execve */
	int wait_status;
	int status_fd; /* child -> agent status records; -1 after EOF */
	int start_fd;  /* init: START's byte goes here; -1 after */
	struct agent_stdio io;
	uint8_t *in_buf; /* stdin bytes the pipe did not take yet */
	size_t in_len, in_off;
	bool in_close; /* STDIN_CLOSE once in_buf is written */
	uint32_t host_pid;
	uint64_t t_req;	 /* CLOCK_MONOTONIC ns when its CREATE/EXEC arrived (EXIT's guest_ns) */
	long minflt_req; /* the agent's ru_minflt then (EXIT's agent_minflt) */
	struct agent_conn *conn;       /* its stream; NULL once closed */
	struct agent_conn *start_conn; /* init: the START waiting for execve */
};

struct agent_conn {
	int fd;	      /* -1: a free slot */
	bool started; /* the first message came */
	bool stream;  /* an init or exec stream */
	bool closing; /* close once out is written */
	bool dead;    /* close now */
	uint8_t *in;
	size_t in_len, in_off, in_cap;
	struct proto_buf out;
	size_t out_off;
	struct agent_proc *proc;
};

struct agent_server {
	const char *fs_root; /* shares are <fs_root>/<name> */
	bool guest;	     /* PID 1 of a VM: mounts virtio-fs, kill(-1), powers off */
	bool fs_mounted;
	bool mounts_private; /* the agent's mounts are private (made so at boot) */
	int listen_fd, sig_fd, devnull;
	int own_pidns, ctr_pidns;   /* for EXEC's pid_for_children; -1 when not open */
	struct agent_join ctr_join; /* EXEC's other namespaces and root; opened at the first */
	struct agent_proc *init;    /* NULL: no container */
	uint32_t namespaces;
	long personality; /* the container's linux.personality domain for EXEC's children; -1: none
			   */
	bool ctr_devpts;  /* the container has its own devpts on /dev/pts: terminals come from it */
	bool started;
	struct agent_conn conns[AGENT_MAX_CONNS];
	struct agent_proc procs[AGENT_MAX_PROCS];
	uint8_t rdbuf[PROTO_DATA_CHUNK];
};

/* rpc.c: replies and output on a connection. */
void agent_conn_error(struct agent_conn *c, const struct err *e);
void agent_conn_reply(struct agent_conn *c, struct proto_buf *msg_written);
void agent_conn_flush(struct agent_conn *c);
void agent_conn_parse(struct agent_server *s, struct agent_conn *c);

/* spawn.c */
void agent_create(struct agent_server *s, struct agent_conn *c, const uint8_t *p, size_t len);
void agent_exec(struct agent_server *s, struct agent_conn *c, const uint8_t *p, size_t len);
int agent_start(struct agent_server *s, struct agent_conn *c, struct err *e);
void agent_proc_status(struct agent_server *s, struct agent_proc *pr);
void agent_proc_output(struct agent_server *s, struct agent_proc *pr, int which);
void agent_proc_stdin(struct agent_server *s, struct agent_proc *pr, const uint8_t *p, size_t len);
void agent_proc_stdin_flush(struct agent_server *s, struct agent_proc *pr);
void agent_proc_stdin_close(struct agent_proc *pr);
void agent_proc_check_done(struct agent_server *s, struct agent_proc *pr);
void agent_reap(struct agent_server *s);
/* SIGNAL {all}: every process of the container. */
int agent_kill_all(struct agent_server *s, int signo, struct err *e);
struct agent_proc *agent_proc_find(struct agent_server *s, pid_t pid);

#endif
