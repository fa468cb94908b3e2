/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Paced execution: the eDMA's channels at the speed of a link profile.
 *
 * Without pacing (cfg.pace NULL, the "unlimited" profile) a doorbell runs
 * its chain to the end at once.  With it, a doorbell leaves the channel
 * RUNNING and gives it a deadline: the time its next data element has
 * crossed the link.  edma_pace_run() (the model's event loop, at the
 * earliest deadline) moves that element then, with its done bit,
 * interrupt, IMWr and the LLP the guests see, and gives the channel its
 * next deadline, until the chain stops or aborts.
 *
 * Time per data element of n bytes; the engine fetches one element ahead
 * of the one whose data moves:
 *   fetched = max(when the previous element was fetched, when its data
 *             started) + fetch_ns * (elements fetched: the data element and
 *             the link elements before it; none in non-LL mode)
 *   ready   = max(fetched (+ rd_rtt_ns for a read: its requests go out
 *             once it is fetched, its first completion is that late),
 *             the end of the previous element's data)
 *   start   = max(ready, the direction's link free)
 *   end     = start + link_xfer_ns(n); the direction's link is busy until end
 *   the element is visible at end, + wr_lat_ns for a write (its last posted
 *   write has yet to land)
 * So in a chain the fetch and a read's round trip hide behind the previous
 * element's data when that takes longer; the first element pays them.
 * Each direction of the link is one resource that all channels of that
 * direction, both sides', share: striping cannot beat the link.  The next
 * element's size is read ahead of its deadline (the engine prefetches);
 * an element that stops or aborts the chain takes effect together with
 * the element before it, so a chain's done and its STOPPED state show
 * together, as without pacing.
 *
 * Events (pedma_lab.h) are the same as without pacing: they are counted
 * where the work happens, at the deadlines, for the side whose doorbell
 * started the chain.  The heartbeat: each element's copy beats as without
 * pacing, and between deadlines the model's loop wakes at least every
 * 100 ms and beats (main.c), so a long wait never looks like a dead model.
 */
#ifndef PEDMA_LAB_PACE_H
#define PEDMA_LAB_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "edma.h"
#include "profile.h"

typedef uint64_t (*pace_clock_fn)(void *opaque);	/* ns, monotonic */

struct pace_chan {
	bool busy;		/* due is set */
	bool ll;		/* LL mode, as at the doorbell */
	enum lab_side writer;	/* the doorbell's side: its events (edma.h) */
	uint64_t due;		/* when the next element is visible */
	uint64_t fetched;	/* the last scheduled element fetched */
	uint64_t started;	/* its data started on the link */
	uint64_t eng;		/* its data ended on the link */
	struct edma_ll_run run;	/* the chain's work bounds */
};

struct edma_pace {
	struct link_profile prof;
	pace_clock_fn now;
	void *opaque;
	uint64_t link_free[EDMA_DIRS];	/* each direction's link busy until */
	struct pace_chan ch[EDMA_DIRS][EDMA_V0_MAX_WR_CH];
	uint64_t steps;			/* deadlines met so far */
	uint64_t late_ns;		/* the latest a step ran after its deadline */
};

/* Set p up for a (limited) profile with a clock; no channel busy */
void pace_init(struct edma_pace *p, const struct link_profile *prof,
	       pace_clock_fn now, void *opaque);

/*
 * edma.c's doorbell hook, for a channel the doorbell starts (engine on, not
 * a STOP, the channel not RUNNING: edma.c ignores a doorbell on a running
 * channel).  True if pacing took the doorbell: the channel runs until its
 * deadline.  False: the chain would stop or abort before moving data, the
 * caller runs it at once as without pacing.  Either way the doorbell's
 * side (e->writer) has the chain's events, at whatever deadline they
 * happen.
 */
bool edma_pace_doorbell(struct edma *e, enum edma_dir dir, unsigned int ch);

/*
 * Complete what is due: each busy channel whose deadline has passed, in
 * deadline order, and again while new deadlines have passed; then publish
 * the image and raise the interrupts.  Returns the number of steps.
 */
unsigned int edma_pace_run(struct edma *e);

/* The earliest deadline of a busy channel (ns), or UINT64_MAX */
uint64_t edma_pace_next(const struct edma *e);

#endif /* PEDMA_LAB_PACE_H */
