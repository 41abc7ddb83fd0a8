// SPDX-License-Identifier: Apache-2.0
/*
 * PAUSE / RESUME from the runtime (`incept pause`, `incept resume`). Pausing parks every vCPU
 * thread outside KVM_RUN (vcpu.c, the same parking a snapshot uses), so the guest runs no
 * instruction, while the device threads go on: host data queues up for the guest and the
 * VMM still answers its socket. OK is sent only once every vCPU is parked, so a runtime that
 * got OK knows the container makes no progress. One request at a time.
 */
#include "control.h"
#include "vcpu.h"
#include "virtio/vsock.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { CTL_PAUSE = 1, CTL_RESUME };

/* A reply is one short line to a fresh socket: it fits its buffer, or the client is gone. */
static void reply(int fd, const char *line)
{
	if (send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("VMM socket: reply \"%.20s\" not sent", line);
	close(fd);
}

void vmm_control_attach(struct vmm *vm)
{
	if (vm->vsock)
		vmm_vsock_set_control(vm->vsock, vmm_control_line, vm);
}

int vmm_control_line(void *ctx, const char *line, int fd)
{
	struct vmm *vm = ctx;
	int op;

	if (!strcmp(line, "PAUSE"))
		op = CTL_PAUSE;
	else if (!strcmp(line, "RESUME"))
		op = CTL_RESUME;
	else
		return -1;
	pthread_mutex_lock(&vm->lock);
	if (vm->stopping)
		reply(fd, "ERR the VM is stopping\n");
	else if (vm->ctl_fd >= 0)
		reply(fd, "ERR another PAUSE or RESUME is in progress\n");
	else if (vm->snap.requested && !vm->snap.taken)
		reply(fd, "ERR the VM is saving its snapshot\n");
	else {
		vm->ctl_fd = fd;
		vm->ctl_op = op;
		pthread_cond_broadcast(&vm->cond);
	}
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

static void resume(struct vmm *vm)
{
	if (vm->user_paused)
		log_info("resumed by the runtime");
	vm->user_paused = false;
	__atomic_store_n(&vm->pausing, false, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&vm->cond);
}

void vmm_control_step(struct vmm *vm)
{
	if (vm->ctl_fd < 0)
		return;
	if (vm->ctl_op == CTL_RESUME) {
		resume(vm);
	} else {
		if (!vm->user_paused) {
			vm->user_paused = true;
			vmm_pause_locked(vm);
		}
		if (vm->nr_parked < vm->nr_vcpus)
			return; /* vcpu_park() wakes us as each one parks */
		log_info("paused by the runtime: %u vCPU(s) parked", vm->nr_parked);
	}
	reply(vm->ctl_fd, "OK\n");
	vm->ctl_fd = -1;
}

void vmm_control_abort(struct vmm *vm)
{
	if (vm->ctl_fd < 0)
		return;
	reply(vm->ctl_fd, "ERR the VM is stopping\n");
	vm->ctl_fd = -1;
}
