// SPDX-License-Identifier: Apache-2.0
/* Guest RIP sampling (see profile.h). */
#include "profile.h"
#include "vcpu.h"
#include "vmm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

#define PROFILE_INTERVAL_NS 1000000L
#define PROFILE_MAX_SAMPLES (1U << 20)

static pthread_t profile_thread;
static bool profile_running;

static void *profile_main(void *arg)
{
	struct vmm *vm = arg;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = PROFILE_INTERVAL_NS};

	while (!__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
		nanosleep(&ts, NULL);
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].thread_started)
				pthread_kill(vm->vcpus[i].thread, VCPU_KICK_SIGNAL);
	}
	return NULL;
}

int vmm_profile_start(struct vmm *vm, struct err *e)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].samples = calloc(PROFILE_MAX_SAMPLES, sizeof(uint64_t));
		if (!vm->vcpus[i].samples)
			return err_sys(e, ENOMEM, "profile buffer");
	}
	int r = pthread_create(&profile_thread, NULL, profile_main, vm);

	if (r)
		return err_sys(e, r, "start profiler thread");
	profile_running = true;
	return 0;
}

void vmm_profile_stop(struct vmm *vm)
{
	(void)vm;
	if (profile_running)
		pthread_join(profile_thread, NULL);
	profile_running = false;
}

void vmm_profile_sample(struct vmm_vcpu *v)
{
	struct kvm_regs r;

	if (!v->samples || v->nr_samples == PROFILE_MAX_SAMPLES)
		return;
	if (ioctl(v->fd, KVM_GET_REGS, &r) == 0)
		v->samples[v->nr_samples++] = r.rip;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int vmm_profile_write(struct vmm *vm, const char *path, struct err *e)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return err_sys(e, errno, "open profile %s", path);
	/* One line per sample address, "count rip", sorted by address (sort -rn for hot). */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vmm_vcpu *v = &vm->vcpus[i];

		qsort(v->samples, v->nr_samples, sizeof(uint64_t), cmp_u64);
		for (size_t s = 0; s < v->nr_samples;) {
			size_t n = 1;

			while (s + n < v->nr_samples && v->samples[s + n] == v->samples[s])
				n++;
			fprintf(f, "%zu %llx\n", n, (unsigned long long)v->samples[s]);
			s += n;
		}
	}
	if (fclose(f) != 0)
		return err_sys(e, errno, "write profile %s", path);
	return 0;
}
