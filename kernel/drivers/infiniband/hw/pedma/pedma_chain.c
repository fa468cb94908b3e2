// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Chains and channels: the bookkeeping every data mover shares
 * (pedma_mover.h).  A channel runs one chain at a time; it counts the
 * chains it started and ended, which the MR and peer syncs snapshot (a
 * withdrawal waits for every chain started before it).  The movers call
 * these under xlock, except the lockless reads of pedma_chains_done().
 */
#include <pedma/dw_edma_regs.h>

#include "pedma.h"

void pedma_chan_init(struct pedma_chan *ch, int dir, u8 idx)
{
	ch->dir = dir;
	ch->idx = idx;
	ch->busy = false;
	ch->cookie = NULL;
	ch->done = NULL;
}

/* The first channel of @dir with no chain running, or NULL */
struct pedma_chan *pedma_chan_free(struct pedma_dev *dev, int dir)
{
	unsigned int i;

	for (i = 0; i < dev->nchan[dir]; i++)
		if (!dev->chan[dir][i].busy)
			return &dev->chan[dir][i];
	return NULL;
}

void pedma_chain_started(struct pedma_chan *ch, pedma_chain_done_fn done,
			 void *cookie)
{
	ch->busy = true;
	ch->done = done;
	ch->cookie = cookie;
	ch->started++;
}

/*
 * End the chains that status @st reports for direction @dir: done bits
 * [7:0] and abort bits [23:16] by channel index, the eDMA's interrupt
 * status layout.  A channel with no chain running is skipped (a bit of a
 * chain already counted by pedma_chains_reset()).
 */
void pedma_chains_end(struct pedma_dev *dev, int dir, u32 st)
{
	unsigned int i;

	for (i = 0; i < dev->nchan[dir]; i++) {
		struct pedma_chan *ch = &dev->chan[dir][i];
		bool abort = st & EDMA_V0_INT_ABORT(ch->idx);
		pedma_chain_done_fn done = ch->done;
		void *cookie = ch->cookie;

		if (!ch->busy || !(abort || (st & EDMA_V0_INT_DONE(ch->idx))))
			continue;
		ch->busy = false;
		ch->cookie = NULL;
		ch->done = NULL;
		WRITE_ONCE(ch->completed, ch->completed + 1);
		if (done)
			done(dev, dir, cookie, abort);
	}
}

/* After a quiesce: every channel idle, every chain counted as ended */
void pedma_chains_reset(struct pedma_dev *dev)
{
	unsigned int i;
	int dir;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < dev->nchan[dir]; i++) {
			struct pedma_chan *ch = &dev->chan[dir][i];

			ch->busy = false;
			ch->cookie = NULL;
			ch->done = NULL;
			WRITE_ONCE(ch->completed, ch->started);
		}
	}
}

void pedma_chains_snap(struct pedma_dev *dev, u32 snap[2][PEDMA_MAX_CHAN])
{
	int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < PEDMA_MAX_CHAN; i++)
			snap[d][i] = dev->chan[d][i].started;
}

/*
 * Have all chains started before @snap ended?  Lockless read is fine:
 * counters only grow and a stale value only delays the answer.
 */
bool pedma_chains_done(struct pedma_dev *dev,
		       const u32 snap[2][PEDMA_MAX_CHAN])
{
	int d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < PEDMA_MAX_CHAN; i++)
			if ((s32)(READ_ONCE(dev->chan[d][i].completed) -
				  snap[d][i]) < 0)
				return false;
	return true;
}

void pedma_chain_forget(struct pedma_chan *ch)
{
	ch->cookie = NULL;
}
