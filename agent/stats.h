/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STATS (docs/protocol.md "stats"): what the guest knows of its container's usage, from a
 * few /proc files: CPU and tasks of the agent's descendants (the container's processes),
 * the guest's memory and uptime.
 */
#ifndef AGENT_STATS_H
#define AGENT_STATS_H

#include "error.h"
#include "proto.h"

int agent_stats_collect(struct proto_stats *st, struct err *e);

#endif
