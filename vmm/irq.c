// SPDX-License-Identifier: Apache-2.0
/* Interrupt injection. */
#include "irq.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

int vmm_irq_line(int vm_fd, unsigned gsi, int level, struct err *e)
{
	struct kvm_irq_level l = {.irq = gsi, .level = level};

	if (ioctl(vm_fd, KVM_IRQ_LINE, &l) < 0)
		return err_sys(e, errno, "KVM_IRQ_LINE %u=%d", gsi, level);
	return 0;
}

int vmm_irqfd_create(int vm_fd, unsigned gsi, struct err *e)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kvm_irqfd req = {.gsi = gsi};

	if (efd < 0)
		return err_sys(e, errno, "eventfd for irq %u", gsi);
	req.fd = (uint32_t)efd;
	if (ioctl(vm_fd, KVM_IRQFD, &req) < 0) {
		err_sys(e, errno, "KVM_IRQFD gsi %u", gsi);
		close(efd);
		return -1;
	}
	return efd;
}

int vmm_irqfd_trigger(int efd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: an interrupt is pending anyway. */
	if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}
