/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Logging for the lab model.  Guest-triggerable errors go through
 * mlog_rl() so that a misbehaving guest cannot flood the log.
 */
#ifndef PEDMA_LAB_LOG_H
#define PEDMA_LAB_LOG_H

#include <stdbool.h>
#include <stdio.h>

/* f == NULL silences the log (unit tests) */
void mlog_init(FILE *f, bool verbose);
bool mlog_verbose(void);
void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True if a ratelimited message may be printed now */
bool mlog_ratelimit(void);

#define mlog_rl(...)						\
	do {							\
		if (mlog_ratelimit())				\
			mlog(__VA_ARGS__);			\
	} while (0)

#define mlog_dbg(...)						\
	do {							\
		if (mlog_verbose())				\
			mlog(__VA_ARGS__);			\
	} while (0)

#endif /* PEDMA_LAB_LOG_H */
