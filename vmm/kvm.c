// SPDX-License-Identifier: Apache-2.0
/* /dev/kvm: open, capability checks, VM creation with the in-kernel irqchip and PIT. */
#include "kvm.h"
#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Without these the VMM cannot run a Linux guest the way it is built to. */
static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	{KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	{KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
	{KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS"},
	{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
};

int vmm_kvm_open(struct vmm_kvm *k, const char *path, struct err *e)
{
	int v;

	memset(k, 0, sizeof(*k));
	k->vm_fd = -1;
	k->kvm_fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0)
		return err_sys(e, errno, "open KVM device %s", path);
	v = ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION)
		return err_set(e, EINVAL, "%s: KVM API version %d, want %d", path, v,
			       KVM_API_VERSION);
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++)
		if (ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
			return err_set(e, ENOTSUP, "%s: this host's KVM lacks %s", path,
				       required_caps[i].name);
	k->run_mmap_size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_mmap_size < (int)sizeof(struct kvm_run))
		return err_sys(e, errno, "KVM_GET_VCPU_MMAP_SIZE");
	k->max_vcpus = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (k->max_vcpus <= 0)
		k->max_vcpus = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (k->max_vcpus <= 0)
		k->max_vcpus = 4; /* KVM's documented default when neither cap answers */
	return 0;
}

int vmm_kvm_create_vm(struct vmm_kvm *k, struct err *e)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0)
		return err_sys(e, errno, "KVM_CREATE_VM");
	/* Needed only by VT-x without unrestricted guest; harmless everywhere else. */
	if (ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)VMM_TSS_GPA) < 0)
		return err_sys(e, errno, "KVM_SET_TSS_ADDR");
	if (ioctl(k->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err_sys(e, errno,
			       "KVM_CREATE_IRQCHIP (in-kernel PIC/IOAPIC/LAPIC required)");
	/* The PIT is the guest's fallback timer and its port 0x61 is probed at boot. */
	if (ioctl(k->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_sys(e, errno, "KVM_CREATE_PIT2 (in-kernel PIT required)");
	return 0;
}

int vmm_kvm_get_supported_cpuid(struct vmm_kvm *k, struct err *e)
{
	/* Grow until KVM stops saying E2BIG; 256 entries fit every CPU seen so far. */
	for (unsigned n = 256; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return err_sys(e, ENOMEM, "KVM_GET_SUPPORTED_CPUID");
		c->nent = n;
		if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			free(k->supported_cpuid);
			k->supported_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return err_sys(e, errno, "KVM_GET_SUPPORTED_CPUID");
	}
	return err_set(e, E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

struct kvm_cpuid_entry2 *vmm_cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *ent = &c->entries[i];
		bool indexed = ent->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

		if (ent->function == function && (!indexed || ent->index == index))
			return ent;
	}
	return NULL;
}

void vmm_kvm_close(struct vmm_kvm *k)
{
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
	free(k->supported_cpuid);
	k->vm_fd = k->kvm_fd = -1;
	k->supported_cpuid = NULL;
}
