// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ntb_hw_pedma_lab: the pedma lab's PCIe link as an NTB device.
 *
 * The lab joins two QEMU guests by one ivshmem-doorbell device each, served
 * by the lab model (lab/model, docs/lab.md).  This driver turns that device
 * into a struct ntb_dev, so that the kernel's own NTB clients (ntb_tool,
 * ntb_pingpong, ntb_perf, ntb_transport with ntb_netdev) run in the lab as
 * they run over a board's NTB or vNTB function, and so that pedma's NTB
 * backend meets in the lab the same API it meets on a board.
 *
 * What the NTB API asks for, and how the lab gives it (docs/lab.md, "The
 * lab as an NTB device"):
 *
 *   memory windows  one inbound window per side: a fixed part of BAR2 (the
 *                   shared memory), so the peer's stores through its peer
 *                   window land there.  Shared memory cannot be translated
 *                   to guest RAM the way an NTB BAR is, so the inbound
 *                   window is the device's own memory: a client allocates
 *                   its buffer with dma_alloc_coherent() on the NTB PCI
 *                   device, as every NTB client does, and this driver's DMA
 *                   operations serve that allocation from the window.
 *                   mw_set_trans() accepts that buffer and nothing else.
 *   doorbells       16 bits.  Setting a peer's bit advances a counter in
 *                   the peer's control block (we are its only writer) and
 *                   rings the peer's ivshmem vector 0; a bit is set while
 *                   its counter differs from the count its owner cleared.
 *   scratchpads     16 per side in the control block, read and written by
 *                   both, as NTB scratchpad registers are.
 *   link            up while both sides' clients enabled it and the peer's
 *                   guest is the one that bound the device: the model
 *                   counts each guest's departures (pedma_lab_hdr.gone)
 *                   and rings the survivor's vector 0; a side records the
 *                   count at bind time, so a killed guest's stale block
 *                   never counts as up.
 *
 * BAR2 layout of the NTB lab mode (the lab header is pedma_lab.h's; the
 * model knows nothing of the rest):
 *
 *   0                      struct pedma_lab_hdr (the model's mark)
 *   hdr.wnd_off            struct lab_ntb_side[2]: [0] host, [1] endpoint
 *   shm_size / 4           the host's inbound window   (shm_size / 4 bytes)
 *   shm_size / 2           the endpoint's inbound window (shm_size / 4)
 *
 * The engine: on the endpoint this driver offers the model's eDMA channels
 * (all of them) as the auxiliary device "ntb_hw_pedma_lab.edma" that the
 * lab's dmaengine driver pedma_lab_dma.ko binds, reaching the registers
 * through the endpoint's register mailbox (pedma_lab_edma.c and
 * pedma_lab_regs.c, shared with pedma_lab.ko), and hands it the engine's
 * interrupts (ivshmem vectors PEDMA_LAB_VEC_EDMA_WR/RD): what a board's
 * DWC endpoint driver does with dw-edma.  It tells the model where its
 * BAR2 is (pedma_lab_hdr.ep_bar2_base), so that the engine reaches the
 * endpoint's inbound window, device memory, at the addresses its buffer
 * has.  The host side programs no engine.  With edma_regs=1 instead, both
 * sides offer the engine's registers (their mailboxes) to pedma's LL mover
 * as the auxiliary device "ntb_hw_pedma_lab.edma_regs"
 * (pedma_edma_regs.h), with the engine's interrupts on each side's vectors
 * (the host's through the engine's IMWr to PEDMA_LAB_MSI_BASE): pedma_ntb
 * then runs the shared mode.  No DMA guard is armed: the model sees
 * guest-physical addresses (docs/lab.md).
 *
 * pedma_lab.ko and this driver match the same device; whichever loads
 * first binds it.
 */
#include <linux/debugfs.h>
#include <linux/dma-map-ops.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include <pedma/pedma_lab.h>
#include "pedma_compat.h"

#include "pedma_lab_edma.h"

static bool ep_edma = true;
module_param(ep_edma, bool, 0444);
MODULE_PARM_DESC(ep_edma,
		 "Endpoint: offer the model's eDMA channels as the auxiliary device ntb_hw_pedma_lab.edma, for pedma_lab_dma.ko (default on)");

static bool edma_regs;
module_param(edma_regs, bool, 0444);
MODULE_PARM_DESC(edma_regs,
		 "Both sides: offer the engine's registers to pedma's LL mover instead (auxiliary device ntb_hw_pedma_lab.edma_regs: pedma_ntb's shared mode; ep_edma is then ignored)");

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110

#define LAB_NTB_MAGIC		0x3142544eU	/* "NTB1" */
#define LAB_NTB_SPADS		16
#define LAB_NTB_DB_BITS		16
#define LAB_NTB_DB_MASK		GENMASK_ULL(LAB_NTB_DB_BITS - 1, 0)
/* BAR2 [0, LAB_NTB_CTL_LEN) holds the lab header and the control blocks */
#define LAB_NTB_CTL_LEN		(PEDMA_LAB_WND_OFF + PAGE_SIZE)
/*
 * A coherent allocation this large gets the inbound window (a memory
 * window buffer: upstream's clients and pedma_ntb allocate the whole
 * window); smaller ones are RAM, which the engine can reach.
 */
#define LAB_NTB_MW_MIN_ALLOC	SZ_1M

/*
 * One side's control block in BAR2.  magic, incarnation and link are
 * written by the side that owns the block; db_set by the other side only;
 * spad by both.  Little-endian words, read and written whole.
 */
struct lab_ntb_side {
	__le32 magic;		/* LAB_NTB_MAGIC while the driver is bound */
	__le32 incarnation;	/* pedma_lab_hdr.gone[side] when it bound */
	__le32 link;		/* 1: its clients enabled the link */
	__le32 reserved[13];
	__le32 db_set[LAB_NTB_DB_BITS];	/* sets of each bit, by the peer */
	__le32 spad[LAB_NTB_SPADS];
};

static_assert(sizeof(struct lab_ntb_side) == 192);

struct lab_ntb {
	struct ntb_dev ntb;
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0: ivshmem registers */
	void __iomem *ctl;		/* BAR2 [0, ctl_len): header + blocks */
	struct lab_ntb_side __iomem *self, *peer;
	void __iomem *peer_gone;	/* pedma_lab_hdr.gone[peer side] */
	u32 self_id, peer_id;
	unsigned int side;		/* 0 host, 1 endpoint */
	int irq;
	/*
	 * The engine's two vectors' irqs, looked up once: pci_irq_vector()
	 * takes the MSI descriptors' mutex, which no hard handler may
	 */
	int edma_irq[2];
	/*
	 * The side's register mailbox (the endpoint's engine, with ep_edma,
	 * offered to pedma_lab_dma.ko; on both sides the model's counters)
	 */
	struct pedma_lab_regs mbox;
	struct pedma_lab_edma *edma;
	struct pedma_edma_regs *edma_regs;	/* the offer with edma_regs */
	/* Events: debugfs ntb_hw_pedma_lab/<pci name>/events */
	atomic64_t ev_peer_notifies;
	atomic64_t ev_irqs[PEDMA_LAB_VECTORS];
	struct dentry *dbg_dir;

	/* Memory windows: ours (inbound) and the peer's, in BAR2 */
	phys_addr_t mw_phys[2];		/* [0] ours, [1] the peer's */
	resource_size_t mw_size;
	void *mw_va;			/* ours, mapped write-back */
	bool mw_taken;			/* our window is a client's buffer */
	resource_size_t trans_size;	/* 0: no translation set */

	/*
	 * lock (irqsave; plain in the interrupt handler) covers db_ack,
	 * db_mask, our writes of the peer's db_set (read, add one, write:
	 * we are their only writer, the lock makes our CPUs one), link_on,
	 * link_up, mw_taken and trans_size.  ntb_*_event() is called with
	 * it released: clients call back into the ops from their handlers.
	 */
	spinlock_t lock;
	u32 db_ack[LAB_NTB_DB_BITS];	/* db_set counts cleared so far */
	u64 db_mask;
	bool link_on;			/* our clients enabled the link */
	bool link_up;			/* as last reported by link_event */
};

static struct lab_ntb *ntb_lab(struct ntb_dev *ntb)
{
	return container_of(ntb, struct lab_ntb, ntb);
}

static void lab_ntb_ring(struct lab_ntb *ln, u32 id)
{
	writel(id << 16 | PEDMA_LAB_VEC_PEER, ln->regs + IVSHMEM_REG_DOORBELL);
}

/* ---- link ---- */

/* The peer's block is that of the guest that runs now, and it enabled. */
static bool lab_ntb_peer_up(struct lab_ntb *ln)
{
	return readl(&ln->peer->magic) == LAB_NTB_MAGIC &&
	       readl(&ln->peer->incarnation) == readl(ln->peer_gone) &&
	       readl(&ln->peer->link) == 1;
}

/* Under lock: recompute; true if the state changed since last reported */
static bool lab_ntb_link_update(struct lab_ntb *ln)
{
	bool up = ln->link_on && lab_ntb_peer_up(ln);

	if (up == ln->link_up)
		return false;
	ln->link_up = up;
	return true;
}

static u64 lab_ntb_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed,
			      enum ntb_width *width)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	bool up;

	spin_lock_irqsave(&ln->lock, flags);
	up = ln->link_on && lab_ntb_peer_up(ln);
	spin_unlock_irqrestore(&ln->lock, flags);
	/* An emulated link: trained to no particular speed or width */
	if (speed)
		*speed = up ? NTB_SPEED_AUTO : NTB_SPEED_NONE;
	if (width)
		*width = up ? NTB_WIDTH_AUTO : NTB_WIDTH_NONE;
	return up;
}

/*
 * Publish our link flag; both sides' interrupt handlers then decide
 * whether the link changed (ours through a doorbell to ourselves, so that
 * the client hears of it from interrupt context, as from hardware).
 */
static void lab_ntb_set_link(struct lab_ntb *ln, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&ln->lock, flags);
	ln->link_on = on;
	writel(on, &ln->self->link);
	spin_unlock_irqrestore(&ln->lock, flags);
	lab_ntb_ring(ln, ln->peer_id);
	lab_ntb_ring(ln, ln->self_id);
}

static int lab_ntb_link_enable(struct ntb_dev *ntb, enum ntb_speed max_speed,
			       enum ntb_width max_width)
{
	lab_ntb_set_link(ntb_lab(ntb), true);
	return 0;
}

static int lab_ntb_link_disable(struct ntb_dev *ntb)
{
	lab_ntb_set_link(ntb_lab(ntb), false);
	return 0;
}

/* ---- memory windows ---- */

static int lab_ntb_mw_count(struct ntb_dev *ntb, int pidx)
{
	return pidx == NTB_DEF_PEER_IDX ? 1 : -EINVAL;
}

static int lab_ntb_mw_get_align(struct ntb_dev *ntb, int pidx, int widx,
				resource_size_t *addr_align,
				resource_size_t *size_align,
				resource_size_t *size_max)
{
	if (pidx != NTB_DEF_PEER_IDX || widx != 0)
		return -EINVAL;
	if (addr_align)
		*addr_align = PAGE_SIZE;
	if (size_align)
		*size_align = PAGE_SIZE;
	if (size_max)
		*size_max = ntb_lab(ntb)->mw_size;
	return 0;
}

static int lab_ntb_mw_set_trans(struct ntb_dev *ntb, int pidx, int widx,
				dma_addr_t addr, resource_size_t size)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	int ret = 0;

	if (pidx != NTB_DEF_PEER_IDX || widx != 0)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	if (!ln->mw_taken || addr != ln->mw_phys[0] || !size ||
	    size > ln->mw_size)
		ret = -EINVAL;
	else
		ln->trans_size = size;
	spin_unlock_irqrestore(&ln->lock, flags);
	if (ret)
		dev_err(&ln->pdev->dev, "memory window 0: %pad+%pa is not the window's own memory (the lab's inbound window is device memory: allocate it with dma_alloc_coherent() on the NTB device, at most %pa bytes)\n",
			&addr, &size, &ln->mw_size);
	return ret;
}

static int lab_ntb_mw_clear_trans(struct ntb_dev *ntb, int pidx, int widx)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;

	if (pidx != NTB_DEF_PEER_IDX || widx != 0)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	ln->trans_size = 0;
	spin_unlock_irqrestore(&ln->lock, flags);
	return 0;
}

static int lab_ntb_peer_mw_count(struct ntb_dev *ntb)
{
	return 1;
}

static int lab_ntb_peer_mw_get_addr(struct ntb_dev *ntb, int widx,
				    phys_addr_t *base, resource_size_t *size)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	if (widx != 0)
		return -EINVAL;
	if (base)
		*base = ln->mw_phys[1];
	if (size)
		*size = ln->mw_size;
	return 0;
}

/* ---- doorbells ---- */

static u64 lab_ntb_db_valid_mask(struct ntb_dev *ntb)
{
	return LAB_NTB_DB_MASK;
}

static int lab_ntb_db_vector_count(struct ntb_dev *ntb)
{
	return 1;
}

static u64 lab_ntb_db_vector_mask(struct ntb_dev *ntb, int db_vector)
{
	return db_vector == 0 ? LAB_NTB_DB_MASK : 0;
}

/* Under lock: the bits whose set count is ahead of what was cleared */
static u64 lab_ntb_db_pending(struct lab_ntb *ln)
{
	u64 bits = 0;
	int i;

	for (i = 0; i < LAB_NTB_DB_BITS; i++)
		if (readl(&ln->self->db_set[i]) != ln->db_ack[i])
			bits |= BIT_ULL(i);
	return bits;
}

static u64 lab_ntb_db_read(struct ntb_dev *ntb)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	u64 bits;

	spin_lock_irqsave(&ln->lock, flags);
	bits = lab_ntb_db_pending(ln);
	spin_unlock_irqrestore(&ln->lock, flags);
	return bits;
}

/*
 * Clear: what was set up to now counts as seen.  A set that races with the
 * clear is lost, as on hardware; clients read the bits again after
 * clearing them.
 */
static int lab_ntb_db_clear(struct ntb_dev *ntb, u64 db_bits)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	int i;

	if (db_bits & ~LAB_NTB_DB_MASK)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	for (i = 0; i < LAB_NTB_DB_BITS; i++)
		if (db_bits & BIT_ULL(i))
			ln->db_ack[i] = readl(&ln->self->db_set[i]);
	spin_unlock_irqrestore(&ln->lock, flags);
	return 0;
}

static u64 lab_ntb_db_read_mask(struct ntb_dev *ntb)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	return READ_ONCE(ln->db_mask);
}

static int lab_ntb_db_set_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;

	if (db_bits & ~LAB_NTB_DB_MASK)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	WRITE_ONCE(ln->db_mask, ln->db_mask | db_bits);
	spin_unlock_irqrestore(&ln->lock, flags);
	return 0;
}

/* Unmasking a bit that is set interrupts, as the hardware would. */
static int lab_ntb_db_clear_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	u64 pend;

	if (db_bits & ~LAB_NTB_DB_MASK)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	WRITE_ONCE(ln->db_mask, ln->db_mask & ~db_bits);
	pend = lab_ntb_db_pending(ln) & db_bits;
	spin_unlock_irqrestore(&ln->lock, flags);
	if (pend)
		lab_ntb_ring(ln, ln->self_id);
	return 0;
}

static int lab_ntb_peer_db_set(struct ntb_dev *ntb, u64 db_bits)
{
	struct lab_ntb *ln = ntb_lab(ntb);
	unsigned long flags;
	int i;

	if (db_bits & ~LAB_NTB_DB_MASK)
		return -EINVAL;
	spin_lock_irqsave(&ln->lock, flags);
	for (i = 0; i < LAB_NTB_DB_BITS; i++)
		if (db_bits & BIT_ULL(i))
			writel(readl(&ln->peer->db_set[i]) + 1,
			       &ln->peer->db_set[i]);
	spin_unlock_irqrestore(&ln->lock, flags);
	/* MMIO writes are ordered: the counts are in place before the ring */
	atomic64_inc(&ln->ev_peer_notifies);
	lab_ntb_ring(ln, ln->peer_id);
	return 0;
}

/* ---- scratchpads ---- */

static int lab_ntb_spad_count(struct ntb_dev *ntb)
{
	return LAB_NTB_SPADS;
}

static u32 lab_ntb_spad_read(struct ntb_dev *ntb, int sidx)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	if (sidx < 0 || sidx >= LAB_NTB_SPADS)
		return 0;
	return readl(&ln->self->spad[sidx]);
}

static int lab_ntb_spad_write(struct ntb_dev *ntb, int sidx, u32 val)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	if (sidx < 0 || sidx >= LAB_NTB_SPADS)
		return -EINVAL;
	writel(val, &ln->self->spad[sidx]);
	return 0;
}

static u32 lab_ntb_peer_spad_read(struct ntb_dev *ntb, int pidx, int sidx)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	if (pidx != NTB_DEF_PEER_IDX || sidx < 0 || sidx >= LAB_NTB_SPADS)
		return 0;
	return readl(&ln->peer->spad[sidx]);
}

static int lab_ntb_peer_spad_write(struct ntb_dev *ntb, int pidx, int sidx,
				   u32 val)
{
	struct lab_ntb *ln = ntb_lab(ntb);

	if (pidx != NTB_DEF_PEER_IDX || sidx < 0 || sidx >= LAB_NTB_SPADS)
		return -EINVAL;
	writel(val, &ln->peer->spad[sidx]);
	return 0;
}

static const struct ntb_dev_ops lab_ntb_ops = {
	.link_is_up = lab_ntb_link_is_up,
	.link_enable = lab_ntb_link_enable,
	.link_disable = lab_ntb_link_disable,
	.mw_count = lab_ntb_mw_count,
	.mw_get_align = lab_ntb_mw_get_align,
	.mw_set_trans = lab_ntb_mw_set_trans,
	.mw_clear_trans = lab_ntb_mw_clear_trans,
	.peer_mw_count = lab_ntb_peer_mw_count,
	.peer_mw_get_addr = lab_ntb_peer_mw_get_addr,
	.db_valid_mask = lab_ntb_db_valid_mask,
	.db_vector_count = lab_ntb_db_vector_count,
	.db_vector_mask = lab_ntb_db_vector_mask,
	.db_read = lab_ntb_db_read,
	.db_clear = lab_ntb_db_clear,
	.db_read_mask = lab_ntb_db_read_mask,
	.db_set_mask = lab_ntb_db_set_mask,
	.db_clear_mask = lab_ntb_db_clear_mask,
	.peer_db_set = lab_ntb_peer_db_set,
	.spad_count = lab_ntb_spad_count,
	.spad_read = lab_ntb_spad_read,
	.spad_write = lab_ntb_spad_write,
	.peer_spad_read = lab_ntb_peer_spad_read,
	.peer_spad_write = lab_ntb_peer_spad_write,
};

/* ---- interrupt: peer doorbells, link changes, the peer going away ---- */

static irqreturn_t lab_ntb_isr(int irq, void *data)
{
	struct lab_ntb *ln = data;
	bool link_changed;
	u64 pend;

	atomic64_inc(&ln->ev_irqs[PEDMA_LAB_VEC_PEER]);
	spin_lock(&ln->lock);
	link_changed = lab_ntb_link_update(ln);
	pend = lab_ntb_db_pending(ln) & ~ln->db_mask;
	spin_unlock(&ln->lock);
	if (link_changed)
		ntb_link_event(&ln->ntb);
	if (pend)
		ntb_db_event(&ln->ntb, 0);
	return IRQ_HANDLED;
}

/* ---- DMA: the inbound window is the device's own memory ---- */

/*
 * The device's DMA operations.  There is no IOMMU in this mode: a mapping's
 * DMA address is the physical address.  A coherent allocation that fits
 * the inbound window while the window is free gets the window (the buffer
 * an NTB client allocates for mw_set_trans()); any other gets pages.
 */
static struct lab_ntb *dev_lab(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static void *lab_ntb_dma_alloc(struct device *dev, size_t size,
			       dma_addr_t *dma_handle, gfp_t gfp,
			       unsigned long attrs)
{
	struct lab_ntb *ln = dev_lab(dev);
	unsigned long flags;
	bool window = false;
	void *va;

	spin_lock_irqsave(&ln->lock, flags);
	if (!ln->mw_taken && size >= LAB_NTB_MW_MIN_ALLOC &&
	    size <= ln->mw_size) {
		ln->mw_taken = true;
		window = true;
	}
	spin_unlock_irqrestore(&ln->lock, flags);
	if (window) {
		memset(ln->mw_va, 0, size);
		*dma_handle = ln->mw_phys[0];
		return ln->mw_va;
	}
	va = alloc_pages_exact(size, (gfp & ~(__GFP_COMP | __GFP_HIGHMEM)) |
				     __GFP_ZERO);
	if (va)
		*dma_handle = virt_to_phys(va);
	return va;
}

static void lab_ntb_dma_free(struct device *dev, size_t size, void *vaddr,
			     dma_addr_t dma_handle, unsigned long attrs)
{
	struct lab_ntb *ln = dev_lab(dev);
	unsigned long flags;

	if (vaddr != ln->mw_va) {
		free_pages_exact(vaddr, size);
		return;
	}
	spin_lock_irqsave(&ln->lock, flags);
	if (ln->trans_size)
		dev_warn(dev, "inbound window freed while translated\n");
	ln->mw_taken = false;
	ln->trans_size = 0;
	spin_unlock_irqrestore(&ln->lock, flags);
}

#ifdef PEDMA_HAVE_DMA_OPS_MAP_PHYS
static dma_addr_t lab_ntb_map_phys(struct device *dev, phys_addr_t phys,
				   size_t size, enum dma_data_direction dir,
				   unsigned long attrs)
{
	return phys;
}
#else
static dma_addr_t lab_ntb_map_page(struct device *dev, struct page *page,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	return page_to_phys(page) + offset;
}

static dma_addr_t lab_ntb_map_resource(struct device *dev,
				       phys_addr_t phys_addr, size_t size,
				       enum dma_data_direction dir,
				       unsigned long attrs)
{
	return phys_addr;
}
#endif

static int lab_ntb_map_sg(struct device *dev, struct scatterlist *sgl,
			  int nents, enum dma_data_direction dir,
			  unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = sg_phys(sg);
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static int lab_ntb_dma_supported(struct device *dev, u64 mask)
{
	return 1;
}

static const struct dma_map_ops lab_ntb_dma_ops = {
	.alloc = lab_ntb_dma_alloc,
	.free = lab_ntb_dma_free,
#ifdef PEDMA_HAVE_DMA_OPS_MAP_PHYS
	.map_phys = lab_ntb_map_phys,
#else
	.map_page = lab_ntb_map_page,
	.map_resource = lab_ntb_map_resource,
#endif
	.map_sg = lab_ntb_map_sg,
	.dma_supported = lab_ntb_dma_supported,
};

/* ---- probe ---- */

/*
 * The lab's mark, our side, and where things are.  Everything read from
 * BAR2 comes from another process and is checked before use.
 */
static int lab_ntb_parse(struct lab_ntb *ln)
{
	struct pci_dev *pdev = ln->pdev;
	resource_size_t bar_len = pci_resource_len(pdev, 2);
	void __iomem *hdr = ln->ctl + PEDMA_LAB_HDR_OFF;
	u32 version, shm_size, wnd_off, host_id, ep_id;
	resource_size_t own, other;

#define HDR32(f) readl(hdr + offsetof(struct pedma_lab_hdr, f))
	if (readq(hdr + offsetof(struct pedma_lab_hdr, magic)) !=
	    PEDMA_LAB_MAGIC) {
		dev_info(&pdev->dev, "ivshmem device not marked by the pedma lab model (no lab magic in BAR2): left alone\n");
		return -ENODEV;
	}
	rmb();	/* the rest only after the magic, which the model stores last */
	version = HDR32(version);
	shm_size = HDR32(shm_size);
	wnd_off = HDR32(wnd_off);
	host_id = HDR32(host_id);
	ep_id = HDR32(ep_id);
#undef HDR32
	if (version != PEDMA_LAB_VERSION) {
		dev_err(&pdev->dev, "lab model speaks lab version %u, driver %u\n",
			version, PEDMA_LAB_VERSION);
		return -EPROTO;
	}
	if (!is_power_of_2(shm_size) || shm_size > bar_len ||
	    wnd_off < PEDMA_LAB_AREA_SIZE || (wnd_off & 63) ||
	    wnd_off + 2 * sizeof(struct lab_ntb_side) > LAB_NTB_CTL_LEN ||
	    shm_size / 4 < LAB_NTB_CTL_LEN ||
	    host_id > 0xffff || ep_id > 0xffff) {
		dev_err(&pdev->dev, "lab header inconsistent for NTB (shm %#x, window offset %#x)\n",
			shm_size, wnd_off);
		return -EPROTO;
	}
	ln->self_id = readl(ln->regs + IVSHMEM_REG_IVPOSITION);
	if (ln->self_id == host_id) {
		ln->side = 0;
		ln->peer_id = ep_id;
	} else if (ln->self_id == ep_id) {
		ln->side = 1;
		ln->peer_id = host_id;
	} else {
		dev_err(&pdev->dev, "ivshmem peer id %u is neither the lab host (%u) nor endpoint (%u)\n",
			ln->self_id, host_id, ep_id);
		return -EPROTO;
	}
	ln->self = ln->ctl + wnd_off + ln->side * sizeof(struct lab_ntb_side);
	ln->peer = ln->ctl + wnd_off + !ln->side * sizeof(struct lab_ntb_side);
	ln->peer_gone = hdr + offsetof(struct pedma_lab_hdr, gone) +
			!ln->side * sizeof(__le32);
	/* Inbound windows: the host's at shm_size / 4, the endpoint's after */
	ln->mw_size = shm_size / 4;
	own = ln->mw_size * (1 + ln->side);
	other = ln->mw_size * (2 - ln->side);
	ln->mw_phys[0] = pci_resource_start(pdev, 2) + own;
	ln->mw_phys[1] = pci_resource_start(pdev, 2) + other;
	return 0;
}

/* Our block as a fresh device has it; magic last: then the peer sees it */
static void lab_ntb_publish(struct lab_ntb *ln)
{
	void __iomem *gone = ln->ctl + PEDMA_LAB_HDR_OFF +
			     offsetof(struct pedma_lab_hdr, gone) +
			     ln->side * sizeof(__le32);
	int i;

	writel(0, &ln->self->magic);
	writel(0, &ln->self->link);
	for (i = 0; i < LAB_NTB_SPADS; i++)
		writel(0, &ln->self->spad[i]);
	/* Doorbells set before we were here are not ours to see */
	for (i = 0; i < LAB_NTB_DB_BITS; i++)
		ln->db_ack[i] = readl(&ln->self->db_set[i]);
	writel(readl(gone), &ln->self->incarnation);
	writel(LAB_NTB_MAGIC, &ln->self->magic);
}

/* ---- events: debugfs ntb_hw_pedma_lab/<pci name>/events ---- */

static struct dentry *lab_ntb_dbg_root;

/*
 * The names and meaning of pedma_lab.ko's events file (docs/observability.md):
 * our register mailbox (the endpoint's engine), doorbells we rang, our
 * interrupts per vector, the dmaengine driver's descriptors, the model's
 * counters for both sides.
 */
static int lab_ntb_events_show(struct seq_file *m, void *unused)
{
	struct lab_ntb *ln = m->private;

	pedma_lab_regs_show_drv(m, &ln->mbox);
	seq_printf(m, "drv_peer_notifies %lld\n",
		   atomic64_read(&ln->ev_peer_notifies));
	seq_printf(m, "drv_irq_peer %lld\n",
		   atomic64_read(&ln->ev_irqs[PEDMA_LAB_VEC_PEER]));
	seq_printf(m, "drv_irq_edma_wr %lld\n",
		   atomic64_read(&ln->ev_irqs[PEDMA_LAB_VEC_EDMA_WR]));
	seq_printf(m, "drv_irq_edma_rd %lld\n",
		   atomic64_read(&ln->ev_irqs[PEDMA_LAB_VEC_EDMA_RD]));
	if (ln->edma)
		pedma_lab_edma_show(m, ln->edma);
	pedma_lab_regs_show_model(m, &ln->mbox, !ln->side);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_ntb_events);

/* ---- the engine, offered to pedma_lab_dma.ko or to pedma's LL mover ---- */

static irqreturn_t lab_ntb_edma_count(int irq, void *data)
{
	struct lab_ntb *ln = data;
	int v = irq == ln->edma_irq[PEDMA_DIR_WR] ? PEDMA_LAB_VEC_EDMA_WR :
						   PEDMA_LAB_VEC_EDMA_RD;

	atomic64_inc(&ln->ev_irqs[v]);
	return IRQ_WAKE_THREAD;
}

static void lab_ntb_edma_irq(struct lab_ntb *ln, int dir)
{
	if (ln->edma_regs)
		pedma_lab_edma_regs_irq(ln->edma_regs, dir);
	else
		pedma_lab_edma_irq(ln->edma, dir);
}

static irqreturn_t lab_ntb_edma_wr_irq(int irq, void *data)
{
	lab_ntb_edma_irq(data, PEDMA_DIR_WR);
	return IRQ_HANDLED;
}

static irqreturn_t lab_ntb_edma_rd_irq(int irq, void *data)
{
	lab_ntb_edma_irq(data, PEDMA_DIR_RD);
	return IRQ_HANDLED;
}

/* Our vectors: the peer's, and the engine's two where we offer it */
static bool lab_ntb_engine(struct lab_ntb *ln)
{
	return edma_regs || (ln->side && ep_edma);
}

/*
 * Endpoint: tell the model where our BAR2 is (its engine then reaches the
 * inbound window at the addresses our buffer has).  Then offer the engine:
 * with edma_regs its registers, on both sides, to pedma's LL mover (the
 * shared mode); else, on the endpoint, every channel as a dmaengine
 * provider.  Process context; nothing to undo on failure but what
 * lab_ntb_edma_stop() undoes.
 */
static int lab_ntb_edma_start(struct lab_ntb *ln)
{
	struct pci_dev *pdev = ln->pdev;
	struct pedma_edma_regs *r;
	struct pedma_lab_edma *e;
	unsigned int wr, rd;
	int ret;

	pedma_lab_regs_init(&ln->mbox, &pdev->dev, ln->regs, ln->ctl,
			    !ln->side);
	if (!lab_ntb_engine(ln))
		return 0;
	if (ln->side)
		writeq(pci_resource_start(pdev, 2), ln->ctl + PEDMA_LAB_HDR_OFF +
		       offsetof(struct pedma_lab_hdr, ep_bar2_base));
	if (edma_regs) {
		r = pedma_lab_edma_regs_add(&pdev->dev, pci_dev_id(pdev),
					    &ln->mbox, ln->side,
					    PEDMA_LAB_MSI_BASE);
		if (IS_ERR(r))
			return PTR_ERR(r);
		ln->edma_regs = r;
	} else {
		ret = pedma_lab_edma_count(&ln->mbox, &wr, &rd);
		if (ret)
			return ret;
		e = pedma_lab_edma_add(&pdev->dev, pci_dev_id(pdev), &ln->mbox,
				       GENMASK(wr - 1, 0), GENMASK(rd - 1, 0));
		if (IS_ERR(e))
			return PTR_ERR(e);
		ln->edma = e;
	}
	ln->edma_irq[PEDMA_DIR_WR] = pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_WR);
	ln->edma_irq[PEDMA_DIR_RD] = pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_RD);
	ret = request_threaded_irq(ln->edma_irq[PEDMA_DIR_WR],
				   lab_ntb_edma_count, lab_ntb_edma_wr_irq,
				   IRQF_ONESHOT, "ntb-pedma-lab-edma-wr", ln);
	if (ret)
		goto err_del;
	ret = request_threaded_irq(ln->edma_irq[PEDMA_DIR_RD],
				   lab_ntb_edma_count, lab_ntb_edma_rd_irq,
				   IRQF_ONESHOT, "ntb-pedma-lab-edma-rd", ln);
	if (ret)
		goto err_wr;
	if (ln->edma_regs)
		dev_info(&pdev->dev, "eDMA registers offered as %s\n",
			 dev_name(&ln->edma_regs->adev.dev));
	else
		dev_info(&pdev->dev, "eDMA offered as %s: %u write, %u read channels\n",
			 dev_name(&ln->edma->adev.dev), wr, rd);
	return 0;

err_wr:
	free_irq(ln->edma_irq[PEDMA_DIR_WR], ln);
err_del:
	pedma_lab_edma_regs_del(ln->edma_regs);
	ln->edma_regs = NULL;
	pedma_lab_edma_del(ln->edma);
	ln->edma = NULL;
	return ret;
}

/* After the NTB clients left (they gave the channels back) */
static void lab_ntb_edma_stop(struct lab_ntb *ln)
{
	if (!ln->edma && !ln->edma_regs)
		return;
	free_irq(ln->edma_irq[PEDMA_DIR_RD], ln);
	free_irq(ln->edma_irq[PEDMA_DIR_WR], ln);
	pedma_lab_edma_regs_del(ln->edma_regs);
	ln->edma_regs = NULL;
	pedma_lab_edma_del(ln->edma);
	ln->edma = NULL;
}

static int lab_ntb_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lab_ntb *ln;
	int ret;

	ln = kzalloc(sizeof(*ln), GFP_KERNEL);
	if (!ln)
		return -ENOMEM;
	ln->pdev = pdev;
	spin_lock_init(&ln->lock);
	pci_set_drvdata(pdev, ln);

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	ln->regs = pci_iomap(pdev, 0, 0);
	/* Header and control blocks only: the windows are mapped apart */
	ln->ctl = pci_iomap(pdev, 2, LAB_NTB_CTL_LEN);
	if (!ln->regs || !ln->ctl) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = lab_ntb_parse(ln);
	if (ret)
		goto err_unmap;
	ln->mw_va = memremap(ln->mw_phys[0], ln->mw_size, MEMREMAP_WB);
	if (!ln->mw_va) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	set_dma_ops(&pdev->dev, &lab_ntb_dma_ops);
	pci_set_master(pdev);

	/* The peer's vector; the endpoint's engine has two more */
	ret = pci_alloc_irq_vectors(pdev, lab_ntb_engine(ln) ? PEDMA_LAB_VECTORS : 1,
				    PEDMA_LAB_VECTORS, PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_dma;
	ln->irq = pci_irq_vector(pdev, PEDMA_LAB_VEC_PEER);
	/* Before the NTB device: its clients may take the channels at once */
	ret = lab_ntb_edma_start(ln);
	if (ret)
		goto err_vectors;
	lab_ntb_publish(ln);

	ln->ntb.pdev = pdev;
	ln->ntb.topo = NTB_TOPO_NONE;
	ln->ntb.ops = &lab_ntb_ops;
	ret = ntb_register_device(&ln->ntb);
	if (ret)
		goto err_unpublish;
	/*
	 * After the registration, which sets up what ntb_*_event() use.  A
	 * client that probed meanwhile and rang us is heard by the ring to
	 * ourselves below; the one to the peer says we are here.
	 */
	ret = request_irq(ln->irq, lab_ntb_isr, 0, "ntb-pedma-lab", ln);
	if (ret)
		goto err_unregister;
	lab_ntb_ring(ln, ln->self_id);
	lab_ntb_ring(ln, ln->peer_id);
	/* Errors are not fatal: the device works without its debugfs files */
	ln->dbg_dir = debugfs_create_dir(pci_name(pdev), lab_ntb_dbg_root);
	debugfs_create_file("events", 0400, ln->dbg_dir, ln,
			    &lab_ntb_events_fops);
	dev_info(&pdev->dev, "pedma lab NTB %s (ivshmem id %u, peer %u): window %pa bytes\n",
		 ln->side ? "endpoint" : "host", ln->self_id, ln->peer_id,
		 &ln->mw_size);
	return 0;

err_unregister:
	ntb_unregister_device(&ln->ntb);
err_unpublish:
	writel(0, &ln->self->magic);
	lab_ntb_edma_stop(ln);
err_vectors:
	pci_free_irq_vectors(pdev);
err_dma:
	pci_clear_master(pdev);
	set_dma_ops(&pdev->dev, NULL);
	memunmap(ln->mw_va);
err_unmap:
	if (ln->ctl)
		pci_iounmap(pdev, ln->ctl);
	if (ln->regs)
		pci_iounmap(pdev, ln->regs);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(ln);
	return ret;
}

static void lab_ntb_remove(struct pci_dev *pdev)
{
	struct lab_ntb *ln = pci_get_drvdata(pdev);

	/* Waits for readers of the events file */
	debugfs_remove_recursive(ln->dbg_dir);
	/* Clients are gone after this, their windows freed */
	ntb_unregister_device(&ln->ntb);
	free_irq(ln->irq, ln);
	writel(0, &ln->self->link);
	writel(0, &ln->self->magic);
	lab_ntb_ring(ln, ln->peer_id);
	lab_ntb_edma_stop(ln);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	if (ln->mw_taken)
		dev_warn(&pdev->dev, "inbound window still allocated at removal\n");
	set_dma_ops(&pdev->dev, NULL);
	memunmap(ln->mw_va);
	pci_iounmap(pdev, ln->ctl);
	pci_iounmap(pdev, ln->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(ln);
}

static const struct pci_device_id lab_ntb_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, lab_ntb_ids);

static struct pci_driver lab_ntb_driver = {
	.name = "ntb_hw_pedma_lab",
	.id_table = lab_ntb_ids,
	.probe = lab_ntb_probe,
	.remove = lab_ntb_remove,
};

static int __init lab_ntb_init(void)
{
	int ret;

	lab_ntb_dbg_root = debugfs_create_dir("ntb_hw_pedma_lab", NULL);
	ret = pci_register_driver(&lab_ntb_driver);
	if (ret)
		debugfs_remove_recursive(lab_ntb_dbg_root);
	return ret;
}
module_init(lab_ntb_init);

static void __exit lab_ntb_exit(void)
{
	pci_unregister_driver(&lab_ntb_driver);
	debugfs_remove_recursive(lab_ntb_dbg_root);
}
module_exit(lab_ntb_exit);

MODULE_AUTHOR("The pedma developers");
MODULE_DESCRIPTION("NTB hardware driver for the pedma lab's emulated PCIe link (QEMU ivshmem)");
MODULE_LICENSE("Dual BSD/GPL");
