// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Paced execution of the eDMA model's channels under a link profile: the
 * timeline (pace.h says how a deadline is computed).  The engine work
 * itself stays in edma.c: a deadline runs edma_ll_advance() for one data
 * element, or edma_run_single().
 */
#include <string.h>

#include "log.h"
#include "pace.h"

void pace_init(struct edma_pace *p, const struct link_profile *prof,
	       pace_clock_fn now, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->prof = *prof;
	p->now = now;
	p->opaque = opaque;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static enum link_op dir_op(enum edma_dir dir)
{
	return dir == EDMA_DIR_WR ? LINK_OP_WRITE : LINK_OP_READ;
}

/*
 * Give the channel the deadline of a data element of size bytes, after
 * fetches element fetches: reserve its time on the direction's link.
 */
static void pace_schedule(struct edma_pace *p, enum edma_dir dir,
			  unsigned int ch, uint32_t size, unsigned int fetches)
{
	const struct link_profile *lp = &p->prof;
	struct pace_chan *pc = &p->ch[dir][ch];
	uint64_t ready, start, end;

	/* One element prefetched ahead of the one moving */
	pc->fetched = max_u64(pc->fetched, pc->started) +
		      (uint64_t)fetches * lp->fetch_ns;
	ready = pc->fetched;
	if (dir == EDMA_DIR_RD && size)
		ready += lp->rd_rtt_ns;
	ready = max_u64(ready, pc->eng);
	start = max_u64(ready, p->link_free[dir]);
	end = start + link_xfer_ns(lp, dir_op(dir), size);
	p->link_free[dir] = end;
	pc->started = start;
	pc->eng = end;
	pc->due = end + (dir == EDMA_DIR_WR ? lp->wr_lat_ns : 0);
	pc->busy = true;
}

/*
 * The chain of a RUNNING LL channel goes on: the next data element gets
 * its deadline, or what stops or aborts the chain happens now.
 */
static void pace_next(struct edma *e, struct edma_pace *p, enum edma_dir dir,
		      unsigned int ch)
{
	struct pace_chan *pc = &p->ch[dir][ch];
	unsigned int links;
	uint32_t size;

	if (edma_ll_peek(e, dir, ch, &size, &links)) {
		pace_schedule(p, dir, ch, size, links + 1);
		return;
	}
	edma_ll_advance(e, dir, ch, &pc->run, false);
}

bool edma_pace_doorbell(struct edma *e, enum edma_dir dir, unsigned int ch)
{
	struct edma_pace *p = e->cfg.pace;
	struct pace_chan *pc = &p->ch[dir][ch];
	struct edma_chan *c = &e->dir[dir].ch[ch];
	unsigned int links;
	uint32_t size;

	memset(pc, 0, sizeof(*pc));
	/* What the chain does at its deadlines counts for the doorbell's side */
	pc->writer = e->writer;
	pc->eng = p->now(p->opaque);
	pc->fetched = pc->eng;
	pc->started = pc->eng;
	pc->ll = c->ctrl1 & EDMA_V0_LLE;
	if (pc->ll && !edma_ll_peek(e, dir, ch, &size, &links))
		return false;
	c->status = EDMA_V0_CH_STATUS_RUNNING;
	if (pc->ll)
		pace_schedule(p, dir, ch, size, links + 1);
	else
		pace_schedule(p, dir, ch, c->xfer_size, 0);
	return true;
}

/* The channel's deadline has come */
static void pace_step(struct edma *e, struct edma_pace *p, enum edma_dir dir,
		      unsigned int ch)
{
	struct pace_chan *pc = &p->ch[dir][ch];
	enum lab_side writer = e->writer;

	pc->busy = false;
	/* Stopped meanwhile (STOP doorbell, engine disabled): nothing more */
	if (e->dir[dir].ch[ch].status != EDMA_V0_CH_STATUS_RUNNING)
		return;
	/* Events count for the side whose doorbell started the chain */
	e->writer = pc->writer;
	if (!pc->ll)
		edma_run_single(e, dir, ch);
	else if (edma_ll_advance(e, dir, ch, &pc->run, true))
		pace_next(e, p, dir, ch);
	e->writer = writer;
}

/* The busy channel due first, if it is due by now */
static bool pace_due(const struct edma *e, const struct edma_pace *p,
		     uint64_t now, enum edma_dir *dir, unsigned int *ch)
{
	uint64_t best = UINT64_MAX;
	unsigned int d, i;

	for (d = 0; d < EDMA_DIRS; d++) {
		for (i = 0; i < e->dir[d].ch_cnt; i++) {
			const struct pace_chan *pc = &p->ch[d][i];

			if (pc->busy && pc->due <= now && pc->due < best) {
				best = pc->due;
				*dir = d;
				*ch = i;
			}
		}
	}
	return best != UINT64_MAX;
}

unsigned int edma_pace_run(struct edma *e)
{
	struct edma_pace *p = e->cfg.pace;
	unsigned int steps = 0;
	enum edma_dir dir;
	unsigned int ch;
	uint64_t now;

	if (!p)
		return 0;
	now = p->now(p->opaque);
	while (pace_due(e, p, now, &dir, &ch)) {
		if (now - p->ch[dir][ch].due > p->late_ns)
			p->late_ns = now - p->ch[dir][ch].due;
		pace_step(e, p, dir, ch);
		p->steps++;
		steps++;
	}
	if (steps)
		edma_flush(e);
	return steps;
}

uint64_t edma_pace_next(const struct edma *e)
{
	const struct edma_pace *p = e->cfg.pace;
	uint64_t next = UINT64_MAX;
	unsigned int d, i;

	if (!p)
		return next;
	for (d = 0; d < EDMA_DIRS; d++) {
		for (i = 0; i < e->dir[d].ch_cnt; i++) {
			if (p->ch[d][i].busy && p->ch[d][i].due < next)
				next = p->ch[d][i].due;
		}
	}
	return next;
}
