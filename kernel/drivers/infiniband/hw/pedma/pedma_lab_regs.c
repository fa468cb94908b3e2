// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lab model's eDMA registers through a side's register mailbox
 * (pedma_lab_regs.h).  Writes are entries the model applies in order;
 * a read waits until the model applied everything written before it and
 * then reads the model's register image.
 *
 * Events: every register read and write, batch and kick is counted, and
 * with a model that counts events (pedma_lab_hdr.events_off) a read
 * marker is posted for every register read and the side kicks its own
 * model vector.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>

#include <pedma/dw_edma_regs.h>

#include "pedma_lab_regs.h"

/*
 * Waiting for the model to take mailbox entries.  The model is a process:
 * it executes a doorbell's whole chain before it takes the next entry, and
 * on a loaded machine it may not run for a while.  It is declared dead
 * when its heartbeat (pedma_lab_hdr.beat) stood still for
 * PEDMA_LAB_SILENT_MS, or when one wait exceeded its cap: a read (which
 * sleeps) PEDMA_LAB_READ_MAX_MS, a full mailbox (busy-waiting with the
 * mailbox lock held, as a CPU stalls on posted writes when the link has no
 * credits) PEDMA_LAB_FULL_MAX_MS.
 */
#define PEDMA_LAB_SILENT_MS	3000
#define PEDMA_LAB_READ_MAX_MS	30000
#define PEDMA_LAB_FULL_MAX_MS	2000

#define HDR_FIELD(r, f) \
	((r)->shm + PEDMA_LAB_HDR_OFF + offsetof(struct pedma_lab_hdr, f))

/*
 * @host: the side's role.  The caller checked the header (the magic and
 * version); what this reads of it is checked here.
 */
void pedma_lab_regs_init(struct pedma_lab_regs *r, struct device *dev,
			 void __iomem *bar0, void __iomem *shm, bool host)
{
	u32 ev_off, ev_size;

	r->dev = dev;
	r->doorbell = bar0 + IVSHMEM_REG_DOORBELL;
	r->shm = shm;
	spin_lock_init(&r->lock);
	r->model_id = readl(HDR_FIELD(r, model_id)) & 0xffff;
	r->mbox = shm + (host ? PEDMA_LAB_MBOX_HOST_OFF : PEDMA_LAB_MBOX_EP_OFF);
	/* Events: inside the lab area, clear of the header, or none */
	ev_off = readl(HDR_FIELD(r, events_off));
	ev_size = readl(HDR_FIELD(r, events_size));
	r->kick_vec = PEDMA_LAB_MODEL_VEC_KICK;
	r->model_ev = NULL;
	if (ev_off >= sizeof(struct pedma_lab_hdr) && !(ev_off & 7) &&
	    ev_size >= sizeof(struct pedma_lab_events) &&
	    ev_off <= PEDMA_LAB_MBOX_HOST_OFF - sizeof(struct pedma_lab_events)) {
		r->model_ev = shm + ev_off;
		r->kick_vec += host ? 0 : 1;
	}
	/* Entries of an earlier driver are the model's to finish */
	r->prod = readl(&r->mbox->cons);
	r->wprod = r->prod;
	r->dead = false;
	writel(r->prod, &r->mbox->prod);
}

static void regs_kick(struct pedma_lab_regs *r)
{
	atomic64_inc(&r->ev_kicks);
	writel(r->model_id << 16 | r->kick_vec, r->doorbell);
}

/*
 * Wait until the model has consumed entries up to @target (cons counts
 * what it has applied).  Bounded, see PEDMA_LAB_SILENT_MS.  @atomic: the
 * caller holds the lock, busy-wait; else sleep between polls.  Returns 0,
 * or the milliseconds waited when the model is to be declared dead.
 */
static u64 regs_wait(struct pedma_lab_regs *r, u32 target, bool atomic)
{
	u64 start = ktime_get_ns(), heard = start, now;
	u64 cap = (atomic ? PEDMA_LAB_FULL_MAX_MS : PEDMA_LAB_READ_MAX_MS) *
		  (u64)NSEC_PER_MSEC;
	u32 beat = readl(HDR_FIELD(r, beat)), b;

	for (;;) {
		if ((s32)(readl(&r->mbox->cons) - target) >= 0)
			return 0;
		now = ktime_get_ns();
		b = readl(HDR_FIELD(r, beat));
		if (b != beat) {
			beat = b;
			heard = now;
		}
		if (now - heard > PEDMA_LAB_SILENT_MS * (u64)NSEC_PER_MSEC ||
		    now - start > cap)
			return max_t(u64, div_u64(now - start, NSEC_PER_MSEC), 1);
		if (atomic)
			udelay(2);
		else
			usleep_range(20, 100);
	}
}

/* Called with the lock held; says so once */
static void regs_declare_dead(struct pedma_lab_regs *r, u32 target, u64 ms)
{
	if (r->dead)
		return;
	r->dead = true;
	dev_err(r->dev,
		"eDMA model stopped answering (mailbox %u/%u after %llu ms); register access disabled\n",
		readl(&r->mbox->cons), target, ms);
}

/*
 * Put one entry into the mailbox, unpublished.  Called with the lock held;
 * false if the mailbox was full and the model did not catch up.
 */
static bool regs_put(struct pedma_lab_regs *r, u32 off, u32 val)
{
	struct pedma_lab_mbox_ent __iomem *ent;
	u32 target;
	u64 ms;

	if (r->prod - readl(&r->mbox->cons) >= PEDMA_LAB_MBOX_ENTRIES) {
		/* Full: publish what we have and let the model catch up. */
		wmb();
		writel(r->prod, &r->mbox->prod);
		regs_kick(r);
		target = r->prod - PEDMA_LAB_MBOX_ENTRIES + 1;
		ms = r->dead ? 1 : regs_wait(r, target, true);
		if (ms) {
			regs_declare_dead(r, target, ms);
			return false;
		}
	}
	ent = &r->mbox->ent[r->prod % PEDMA_LAB_MBOX_ENTRIES];
	writel(off, &ent->off);
	writel(val, &ent->val);
	r->prod++;
	return true;
}

/* Several register writes, one kick: the model applies them in order. */
void pedma_lab_regs_write_batch(struct pedma_lab_regs *r,
				const struct pedma_reg_write *w, unsigned int n)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&r->lock, flags);
	atomic64_inc(&r->ev_batches);
	for (i = 0; i < n; i++) {
		if (!regs_put(r, w[i].off, w[i].val))
			goto out;
		atomic64_inc(&r->ev_reg_writes);
	}
	r->wprod = r->prod;
	/* The entries must be visible before the index that publishes them. */
	wmb();
	writel(r->prod, &r->mbox->prod);
	regs_kick(r);
out:
	spin_unlock_irqrestore(&r->lock, flags);
}

void pedma_lab_regs_write(struct pedma_lab_regs *r, u32 off, u32 val)
{
	const struct pedma_reg_write w = { off, val };

	pedma_lab_regs_write_batch(r, &w, 1);
}

/*
 * Read after write: the model must have applied the writes we posted
 * before.  Sleeps while it catches up (process or threaded-interrupt
 * context), with no lock held: other writers may post meanwhile, cons only
 * grows.  With events, a read marker tells the model about the read; it
 * needs no kick (the model's next drain counts it) and no wait.
 */
u32 pedma_lab_regs_read(struct pedma_lab_regs *r, u32 off)
{
	unsigned long flags;
	u32 target;
	bool dead;
	u64 ms;

	if (WARN_ON_ONCE(off >= EDMA_V0_REGS_SIZE || off & 3))
		return ~0u;
	might_sleep();
	spin_lock_irqsave(&r->lock, flags);
	target = r->wprod;
	dead = r->dead;
	if (!dead) {
		atomic64_inc(&r->ev_reg_reads);
		if (r->model_ev && regs_put(r, PEDMA_LAB_MBOX_READ | off, 0)) {
			/* The marker is visible before the index that publishes it. */
			wmb();
			writel(r->prod, &r->mbox->prod);
		}
		dead = r->dead;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	if (dead)
		return ~0u;	/* what a read of a dead PCIe device returns */
	ms = regs_wait(r, target, false);
	if (ms) {
		spin_lock_irqsave(&r->lock, flags);
		regs_declare_dead(r, target, ms);
		spin_unlock_irqrestore(&r->lock, flags);
		return ~0u;
	}
	/* The image is read only after cons says it is current. */
	rmb();
	return readl(r->shm + PEDMA_LAB_REGS_OFF + off);
}

bool pedma_lab_regs_dead(struct pedma_lab_regs *r)
{
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&r->lock, flags);
	dead = r->dead;
	spin_unlock_irqrestore(&r->lock, flags);
	return dead;
}

/* ---- events ---- */

void pedma_lab_regs_show_drv(struct seq_file *m, struct pedma_lab_regs *r)
{
	seq_printf(m, "drv_reg_reads %lld\n", atomic64_read(&r->ev_reg_reads));
	seq_printf(m, "drv_reg_writes %lld\n", atomic64_read(&r->ev_reg_writes));
	seq_printf(m, "drv_batches %lld\n", atomic64_read(&r->ev_batches));
	seq_printf(m, "drv_kicks %lld\n", atomic64_read(&r->ev_kicks));
}

static const char * const regs_model_ev_names[] = {
	"reg_reads", "reg_writes", "doorbells", "chains", "ll_elems",
	"bytes", "imwr", "irqs", "kicks",
	"irq_vec0", "irq_vec1", "irq_vec2", "irq_vec3",
};

static_assert(ARRAY_SIZE(regs_model_ev_names) * sizeof(__le64) ==
	      offsetof(struct pedma_lab_side_events, reserved));

/* One side's model counters, each line "<prefix><name> <value>" */
static void regs_show_model_side(struct seq_file *m, struct pedma_lab_regs *r,
				 unsigned int side, const char *prefix)
{
	void __iomem *base = r->model_ev +
			     side * sizeof(struct pedma_lab_side_events);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs_model_ev_names); i++)
		seq_printf(m, "%s%s %llu\n", prefix, regs_model_ev_names[i],
			   (u64)readq(base + i * sizeof(__le64)));
}

/*
 * The model's counters for our side (model_*) and for the peer's
 * (model_peer_*), if it counts them.  Each value is read whole, the set
 * not at one instant: compare them when the device is quiet.
 */
void pedma_lab_regs_show_model(struct seq_file *m, struct pedma_lab_regs *r,
			       bool host)
{
	if (!r->model_ev)
		return;
	regs_show_model_side(m, r, host ? 0 : 1, "model_");
	regs_show_model_side(m, r, host ? 1 : 0, "model_peer_");
}
