/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Check macros shared by the C test programs: count passes and failures,
 * report each failure with its place, end with "N passed, N failed".
 *
 *   CHECK(cond)               CHECKF(cond, fmt, ...)    CHECK_EQ(a, b)
 *   check_failed(fmt, ...)    return check_summary("name");
 *
 * A test may set cur_test to name the case in failure messages.
 */
#ifndef PEDMA_CHECK_H
#define PEDMA_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static int failures, passes;
static const char *cur_test __attribute__((unused));

__attribute__((format(printf, 3, 4), unused))
static void check_failed_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s%s%s:%d: ", cur_test ? cur_test : "",
		cur_test ? " at " : "", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

#define check_failed(...) check_failed_at(__FILE__, __LINE__, __VA_ARGS__)

#define CHECKF(cond, ...)						\
	do {								\
		if (cond)						\
			passes++;					\
		else							\
			check_failed(__VA_ARGS__);			\
	} while (0)

#define CHECK(cond) CHECKF(cond, "%s", #cond)

#define CHECK_EQ(a, b)							\
	do {								\
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);	\
		CHECKF(a_ == b_, "%s == %#" PRIx64 ", expected %s == %#" \
		       PRIx64, #a, a_, #b, b_);				\
	} while (0)

__attribute__((unused))
static int check_summary(const char *prog)
{
	printf("%s: %d passed, %d failed\n", prog, passes, failures);
	return failures ? 1 : 0;
}

#endif /* PEDMA_CHECK_H */
