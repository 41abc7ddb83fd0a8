// SPDX-License-Identifier: Apache-2.0
/* Generation check, RNG reseed and clock set after a snapshot restore. */
#include "restore.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/random.h (musl ships no kernel headers). */
#define AGENT_RNDADDENTROPY _IOW('R', 0x03, int[2])
#define AGENT_RNDRESEEDCRNG _IO('R', 0x07)
#define AGENT_ENTROPY_WORDS 16 /* 512 bits */

static int urandom_fd = -1;

void agent_restore_prepare(void)
{
	urandom_fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
}

static int reseed(struct err *e)
{
	struct {
		int entropy_count; /* bits credited */
		int buf_size;	   /* bytes */
		uint32_t buf[AGENT_ENTROPY_WORDS];
	} pool = {.entropy_count = 32 * AGENT_ENTROPY_WORDS, .buf_size = 4 * AGENT_ENTROPY_WORDS};
	int fd = urandom_fd, r = 0;

	for (unsigned i = 0; i < AGENT_ENTROPY_WORDS; i++)
		pool.buf[i] = agent_port_query(INCEPT_QUERY_ENTROPY);
	if (fd < 0)
		fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "open /dev/urandom");
	/* Mixing alone is not enough: the CRNG keeps its key until its next scheduled reseed. */
	if (ioctl(fd, AGENT_RNDADDENTROPY, &pool) < 0)
		r = err_sys(e, errno, "RNDADDENTROPY");
	else if (ioctl(fd, AGENT_RNDRESEEDCRNG) < 0)
		r = err_sys(e, errno, "RNDRESEEDCRNG");
	if (fd != urandom_fd)
		close(fd);
	return r;
}

static int set_clock(struct err *e)
{
	struct timespec ts;
	uint64_t lo = agent_port_query(INCEPT_QUERY_TIME_SEC_LO);
	uint64_t hi = agent_port_query(INCEPT_QUERY_TIME_SEC_HI);

	ts.tv_sec = (time_t)(hi << 32 | lo);
	ts.tv_nsec = agent_port_query(INCEPT_QUERY_TIME_NSEC) % 1000000000;
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		return err_sys(e, errno, "clock_settime");
	return 0;
}

int agent_restore_check(unsigned *generation, struct err *e)
{
	*generation = 0;
	if (!agent_port_available())
		return 0;
	*generation = agent_port_query(INCEPT_QUERY_GENERATION);
	if (*generation == 0)
		return 0;
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_GENERATION);
	if (reseed(e) < 0)
		return -1;
	agent_port_send(INCEPT_CMD_MARK, AGENT_MARK_RESEEDED);
	if (set_clock(e) < 0)
		return -1;
	agent_port_send(INCEPT_CMD_READY, *generation);
	return 0;
}

enum incept_task agent_restore_task(void)
{
	if (!agent_port_available())
		return INCEPT_TASK_IDLE;
	return (enum incept_task)agent_port_query(INCEPT_QUERY_TASK);
}
