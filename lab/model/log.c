// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Logging: one line per message, prefixed with seconds since start.
 */
#include <stdarg.h>
#include <time.h>

#include "log.h"

/* At most MLOG_RL_BURST ratelimited messages per MLOG_RL_WINDOW seconds */
#define MLOG_RL_BURST	20
#define MLOG_RL_WINDOW	5

static FILE *mlog_file;
static bool mlog_verbose_on;
static struct timespec mlog_t0;

static struct {
	time_t window_start;
	unsigned int printed;
	unsigned long suppressed;
} mlog_rl_state;

static time_t mlog_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void mlog_init(FILE *f, bool verbose)
{
	mlog_file = f;
	mlog_verbose_on = verbose;
	clock_gettime(CLOCK_MONOTONIC, &mlog_t0);
	mlog_rl_state.window_start = mlog_t0.tv_sec;
	mlog_rl_state.printed = 0;
	mlog_rl_state.suppressed = 0;
}

bool mlog_verbose(void)
{
	return mlog_file && mlog_verbose_on;
}

void mlog(const char *fmt, ...)
{
	struct timespec ts;
	long sec, msec;
	va_list ap;

	if (!mlog_file)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sec = (long)(ts.tv_sec - mlog_t0.tv_sec);
	msec = (ts.tv_nsec - mlog_t0.tv_nsec) / 1000000;
	if (msec < 0) {
		msec += 1000;
		sec--;
	}
	fprintf(mlog_file, "pedma-lab-model: [%ld.%03ld] ", sec, msec);
	va_start(ap, fmt);
	vfprintf(mlog_file, fmt, ap);
	va_end(ap);
	fputc('\n', mlog_file);
	fflush(mlog_file);
}

bool mlog_ratelimit(void)
{
	time_t now;

	if (!mlog_file)
		return false;
	now = mlog_now();
	if (now - mlog_rl_state.window_start >= MLOG_RL_WINDOW) {
		unsigned long lost = mlog_rl_state.suppressed;

		mlog_rl_state.window_start = now;
		mlog_rl_state.printed = 0;
		mlog_rl_state.suppressed = 0;
		if (lost)
			mlog("%lu messages suppressed", lost);
	}
	if (mlog_rl_state.printed >= MLOG_RL_BURST) {
		mlog_rl_state.suppressed++;
		return false;
	}
	mlog_rl_state.printed++;
	return true;
}
