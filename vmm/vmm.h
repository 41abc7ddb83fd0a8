/* SPDX-License-Identifier: Apache-2.0 */
/* The virtual machine: configuration, the parts it is built from, and its run state. */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "boot.h"
#include "bus.h"
#include "console.h"
#include "error.h"
#include "kvm.h"
#include "layout.h"
#include "log.h"
#include "memory.h"
#include "quirks.h"
#include "serial.h"
#include "snapshot.h"
#include "timing.h"

struct vmm;
struct vmm_virtio_mmio;
struct vmm_vsock;

/* Up to this many --share flags per VM (the FUSE server itself allows more). */
#define VMM_MAX_SHARES 64

/* A host directory or file the guest sees as /<name> in the virtio-fs tag "incept". */
struct vmm_share {
	const char *name;
	const char *path;
	bool readonly;
	bool keep_cache; /* :keep, VFS_SHARE_KEEP_CACHE */
};

/* What the command line asked for. */
struct vmm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline; /* NULL: the default command line (cmdline.c) */
	const char *append;
	unsigned vcpus;
	uint64_t memory_mib;
	bool console;
	const char *console_log;
	const char *log_path;
	enum log_format log_format;
	bool debug;
	const char *kvm_device;
	bool timing;
	const char *profile;	  /* --profile FILE: sample guest RIPs (debugging aid) */
	const char *snapshot_dir; /* restore from / build a snapshot here; NULL: cold boot */
	bool snapshot_only;	  /* make sure the snapshot exists, then exit (incept prepare) */
	unsigned agent_task;	  /* INCEPT_TASK_*: what the agent does once ready */
	bool print_snapshot_meta; /* build up to the snapshot key, print its meta text, exit */
	const char *vsock_socket; /* host processes reach guest vsock ports here (vsock_mux.c) */
	struct vmm_share shares[VMM_MAX_SHARES]; /* --share, added at every start, never saved */
	unsigned nr_shares;
	uint32_t share_cache_secs; /* --share-cache: FUSE entry/attribute timeouts */
	int sync_fd;		   /* --sync-fd: container mode (container.c); -1: none */
};

/* Up to and including KVM_EXIT_NOTIFY (37); later reasons are counted in the last slot. */
#define VMM_EXIT_REASONS 40

struct vmm_vcpu {
	struct vmm *vm;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	uint64_t exits[VMM_EXIT_REASONS];
	uint64_t fixups;
	uint64_t *samples; /* --profile: guest RIPs */
	size_t nr_samples;
};

/*
 * Signals `incept kill` sent while the runtime had the VM paused: the agent cannot take them
 * then, so the VMM holds them and sends them to the agent at RESUME (control.c). As a frozen
 * process's pending signals, each is held once however often it was sent.
 */
struct vmm_held_signals {
	uint64_t init, all;	      /* bit N-1: signal N, for the init / every process */
	uint64_t send_init, send_all; /* what the delivery thread is sending */
	bool delivering;	      /* the delivery thread runs */
	bool done;		      /* it finished: to be joined */
	pthread_t thread;
	int fd; /* its stream to the agent while it has one, else -1 */
	/* a stream to the agent, as vmm_vsock_connect_local gives it; NULL: that (tests) */
	int (*connect)(struct vmm *vm, struct err *e);
};

struct vmm {
	const struct vmm_config *cfg;
	struct vmm_kvm kvm;
	struct vmm_mem mem;
	struct vmm_host_facts facts;
	struct vmm_quirks quirks;
	struct vmm_console console;
	struct vmm_serial serial;
	struct vmm_bus pio, mmio;
	struct vmm_elf_info kernel;
	uint64_t initrd_gpa, initrd_size, start_info_gpa;
	char cmdline[VMM_CMDLINE_MAX];
	unsigned nr_vcpus;
	struct vmm_vcpu *vcpus;
	unsigned nr_virtio;
	struct vmm_virtio_mmio *virtio[VMM_MAX_VIRTIO];
	struct vmm_vsock *vsock; /* also in virtio[] */
	void *fs;		 /* the virtio-fs device (tag "incept"), owned by its transport */
	struct vmm_timing timing;
	uint64_t mem_size;
	bool mem_to_reaper; /* guest RAM stays mapped at teardown: the reaper's exit unmaps it */
	struct vmm_snapshot snap;
	uint32_t generation; /* 0 on a cold boot; bumped by every snapshot save and restore */

	/* The agent port's answer to the last INCEPT_CMD_QUERY, read back with an IN. */
	uint32_t port_answer;
	struct timespec port_time;

	/* Run state: the first vmm_stop() decides how the VM ends. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	bool pausing;	    /* vCPUs park (vcpu.c) until it is cleared */
	unsigned nr_parked; /* vCPU threads parked */
	bool user_paused;   /* the runtime's PAUSE holds the vCPUs parked (control.c) */
	int ctl_fd;	    /* a PAUSE / RESUME client waiting for its reply; -1: none */
	int ctl_op;	    /* its request (control.c) */
	struct vmm_held_signals held;
	int exit_status;
	bool failed; /* exit_err holds why */
	struct err exit_err;
};

/*
 * Ends the VM with `status` (and `why`, when it is a failure). Safe from any thread; only
 * the first call counts. The main thread wakes up, stops the vCPUs and tears down.
 */
void vmm_stop(struct vmm *vm, int status, const struct err *why);

/* Asks every vCPU to park with no exit half-handled (any thread; vm->lock not held). */
void vmm_pause(struct vmm *vm);
/* The same with vm->lock held by the caller. */
void vmm_pause_locked(struct vmm *vm);

#endif
