// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma lab DMA guard: the lab's stand-in for an IOMMU.
 *
 * Every DMA mapping of the lab's PCI device goes through the DMA API, and
 * the DMA API goes through the device's struct dma_map_ops: we install our
 * own, so the IB core's mappings (MADs, IPoIB, user MRs through ib_umem)
 * and pedma's coherent memory are all seen here.  The lab guests are
 * x86_64 without an IOMMU, so we play one: each mapping gets I/O virtual
 * addresses (IOVAs) of its own in [PEDMA_LAB_GUARD_IOVA_BASE, + 4 KiB *
 * pages), never the guest-physical address, and the translation of each
 * of its IOVA pages is written into a one-level table (guest page frame
 * + 1, 0 for none) before the address is handed out; an unmap clears the
 * entries.  IOVAs are handed out next-fit from a cursor that only moves
 * on: an unmapped IOVA comes back only after the whole space went round.
 * So a chain that still holds the address of a buffer that went back
 * faults even when the same memory is mapped again for someone else,
 * which is how use-after-unmap shows on a board with its IOMMU on.
 *
 * The table lives in vmalloc'd pages that the lab's eDMA model reads
 * through the guard descriptor (struct pedma_lab_guard in
 * include/pedma/pedma_lab.h), whose guest-physical address the lab backend
 * publishes in the lab header.  The model translates every engine address
 * into our RAM through it; an address without a translation aborts the
 * channel, is recorded in the descriptor and raises PEDMA_LAB_VEC_SPARE;
 * our handler defers to a work item that reports the violation together
 * with the last unmap of that IOVA page, taken from a ring of recent
 * unmaps.
 *
 * Lifetime: pedma_lab_pci.c publishes the descriptor before pedma exists and,
 * at removal, clears it after pedma is gone, then waits for one mailbox
 * round trip (the model runs one thread; every access reads the header
 * anew), and only then calls pedma_lab_guard_fini().
 */
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/dma-map-ops.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <pedma/pedma_lab.h>

#include "pedma_compat.h"
#include "pedma_lab_guard.h"

/* The model reads __le32 table entries of 4 KiB pages */
#if defined(PEDMA_HAVE_DEV_DMA_OPS) && PAGE_SHIFT == 12

/* Recent unmaps and frees remembered for the report */
#define GUARD_RING_ENTRIES	4096
/* Return addresses kept per unmap; the DMA API's own frames are skipped */
#define GUARD_TRACE_DEPTH	8
#define GUARD_TRACE_SHOWN	3

struct guard_unmap {
	u64 seq;		/* 1, 2, ...; 0: slot unused */
	dma_addr_t addr;
	size_t size;
	unsigned long when;	/* jiffies */
	unsigned int nr_trace;
	unsigned long trace[GUARD_TRACE_DEPTH];
};

struct pedma_guard {
	struct device *dev;
	struct pedma_lab_guard *desc;	/* one zeroed page, read by the model */
	__le32 *table;			/* translation per IOVA page */
	unsigned long pages;		/* IOVA pages: entries in table[] */
	unsigned int table_pages;
	u64 iova_base;
	spinlock_t iova_lock;		/* covers iova_map, cursor, mapped */
	unsigned long *iova_map;	/* IOVA pages handed out */
	unsigned long cursor;		/* next-fit: where the next search starts */
	unsigned long mapped;		/* IOVA pages handed out */
	atomic_long_t bad_unmaps;	/* unmaps of IOVAs not handed out */
	spinlock_t ring_lock;		/* covers ring[] and seq */
	u64 seq;
	struct guard_unmap *ring;
	u32 viol_seen;			/* descriptor's count last reported */
	struct work_struct work;
};

/*
 * The device whose DMA ops are ours.  One guarded device at a time: the
 * lab has one ivshmem device per guest.
 */
static struct pedma_guard *guard_cur;
static DEFINE_MUTEX(guard_claim);

static struct pedma_guard *guard_of(struct device *dev)
{
	struct pedma_guard *g = READ_ONCE(guard_cur);

	return g && g->dev == dev ? g : NULL;
}

/*
 * Map [phys, phys + size) to fresh IOVAs: the table entries are written
 * before the address is returned.  DMA_MAPPING_ERROR if the space is full.
 */
static dma_addr_t guard_map_phys(struct pedma_guard *g, phys_addr_t phys,
				 size_t size)
{
	unsigned long n = PFN_UP(offset_in_page(phys) + max_t(size_t, size, 1));
	unsigned long idx, flags, i, pfn = PHYS_PFN(phys);

	spin_lock_irqsave(&g->iova_lock, flags);
	idx = bitmap_find_next_zero_area(g->iova_map, g->pages, g->cursor, n,
					 0);
	if (idx >= g->pages)
		idx = bitmap_find_next_zero_area(g->iova_map, g->pages, 0, n,
						 0);
	if (idx < g->pages) {
		bitmap_set(g->iova_map, idx, n);
		g->cursor = idx + n;
		g->mapped += n;
	}
	spin_unlock_irqrestore(&g->iova_lock, flags);
	if (idx >= g->pages) {
		dev_err_ratelimited(g->dev, "DMA guard: IOVA space full (%zu bytes asked, %lu pages mapped)\n",
				    size, g->mapped);
		return DMA_MAPPING_ERROR;
	}
	for (i = 0; i < n; i++)
		WRITE_ONCE(g->table[idx + i], cpu_to_le32(pfn + i + 1));
	/* The translation is in memory before the address can reach the model */
	smp_wmb();
	return g->iova_base + ((u64)idx << PAGE_SHIFT) + offset_in_page(phys);
}

/* Remember an unmap or free, with who did it */
static noinline void guard_note_unmap(struct pedma_guard *g, dma_addr_t addr,
				      size_t size)
{
	unsigned long trace[GUARD_TRACE_DEPTH];
	struct guard_unmap *u;
	unsigned long flags;
	unsigned int n;

	n = stack_trace_save(trace, ARRAY_SIZE(trace), 0);
	spin_lock_irqsave(&g->ring_lock, flags);
	u = &g->ring[g->seq % GUARD_RING_ENTRIES];
	u->seq = ++g->seq;
	u->addr = addr;
	u->size = size;
	u->when = jiffies;
	u->nr_trace = n;
	memcpy(u->trace, trace, n * sizeof(trace[0]));
	spin_unlock_irqrestore(&g->ring_lock, flags);
}

/* The guest-physical address behind IOVA @addr, 0 if it has none */
static phys_addr_t guard_iova_phys(struct pedma_guard *g, dma_addr_t addr)
{
	unsigned long idx;
	u32 ent;

	if (addr < g->iova_base)
		return 0;
	idx = (addr - g->iova_base) >> PAGE_SHIFT;
	if (idx >= g->pages)
		return 0;
	ent = le32_to_cpu(READ_ONCE(g->table[idx]));
	return ent ? PFN_PHYS((phys_addr_t)ent - 1) + offset_in_page(addr) : 0;
}

static void guard_unmap_range(struct pedma_guard *g, dma_addr_t addr,
			      size_t size)
{
	unsigned long n = PFN_UP(offset_in_page(addr) + max_t(size_t, size, 1));
	unsigned long idx, i, flags, absent = 0;

	guard_note_unmap(g, addr, size);
	if (addr < g->iova_base ||
	    ((addr - g->iova_base) >> PAGE_SHIFT) + n > g->pages) {
		atomic_long_inc(&g->bad_unmaps);
		dev_warn_ratelimited(g->dev, "DMA guard: unmap of %pad+%zu: not an IOVA of ours\n",
				     &addr, size);
		return;
	}
	idx = (addr - g->iova_base) >> PAGE_SHIFT;
	/* No translation from here on; the memory may go back after we return */
	for (i = 0; i < n; i++)
		WRITE_ONCE(g->table[idx + i], 0);
	/* Cleared before the bitmap can hand the IOVAs out again */
	smp_wmb();
	spin_lock_irqsave(&g->iova_lock, flags);
	for (i = 0; i < n; i++) {
		if (__test_and_clear_bit(idx + i, g->iova_map))
			g->mapped--;
		else
			absent++;
	}
	spin_unlock_irqrestore(&g->iova_lock, flags);
	if (absent) {
		atomic_long_inc(&g->bad_unmaps);
		dev_warn_ratelimited(g->dev, "DMA guard: unmap of %pad+%zu covers %lu IOVA pages that are not mapped (double unmap?)\n",
				     &addr, size, absent);
	}
}

/* ---- struct dma_map_ops: every mapping gets IOVAs of its own ---- */

#ifdef PEDMA_HAVE_DMA_OPS_MAP_PHYS
static dma_addr_t guard_map(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir, unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);

	return g ? guard_map_phys(g, phys, size) : phys;
}
#else
static dma_addr_t guard_map_page(struct device *dev, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);
	phys_addr_t phys = page_to_phys(page) + offset;

	return g ? guard_map_phys(g, phys, size) : phys;
}
#endif

/* unmap_page, or unmap_phys where the DMA API maps physical addresses */
static void guard_unmap(struct device *dev, dma_addr_t addr, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);

	if (g)
		guard_unmap_range(g, addr, size);
}

static void guard_unmap_sg(struct device *dev, struct scatterlist *sgl,
			   int nents, enum dma_data_direction dir,
			   unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);
	struct scatterlist *sg;
	int i;

	if (!g)
		return;
	for_each_sg(sgl, sg, nents, i)
		guard_unmap_range(g, sg_dma_address(sg), sg_dma_len(sg));
}

/* One IOVA range per entry: entries are not merged */
static int guard_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = g ? guard_map_phys(g, sg_phys(sg), sg->length) :
				      sg_phys(sg);
		if (sg->dma_address == DMA_MAPPING_ERROR) {
			guard_unmap_sg(dev, sgl, i, dir, attrs);
			return -ENOMEM;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void *guard_alloc(struct device *dev, size_t size,
			 dma_addr_t *dma_handle, gfp_t gfp,
			 unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);
	void *va;

	va = alloc_pages_exact(size, (gfp & ~(__GFP_COMP | __GFP_HIGHMEM)) |
				     __GFP_ZERO);
	if (!va)
		return NULL;
	*dma_handle = g ? guard_map_phys(g, virt_to_phys(va), size) :
			  virt_to_phys(va);
	if (*dma_handle == DMA_MAPPING_ERROR) {
		free_pages_exact(va, size);
		return NULL;
	}
	return va;
}

static void guard_free(struct device *dev, size_t size, void *vaddr,
		       dma_addr_t dma_handle, unsigned long attrs)
{
	struct pedma_guard *g = guard_of(dev);

	/* The pages stop being DMA memory before they go back. */
	if (g)
		guard_unmap_range(g, dma_handle, size);
	free_pages_exact(vaddr, size);
}

static int guard_dma_supported(struct device *dev, u64 mask)
{
	struct pedma_guard *g = guard_of(dev);

	return !g || mask >= g->iova_base + ((u64)g->pages << PAGE_SHIFT) - 1;
}

static u64 guard_get_required_mask(struct device *dev)
{
	struct pedma_guard *g = guard_of(dev);

	if (!g)
		return DMA_BIT_MASK(64);
	return DMA_BIT_MASK(fls64(g->iova_base +
				  ((u64)g->pages << PAGE_SHIFT) - 1));
}

static const struct dma_map_ops guard_dma_ops = {
	.alloc = guard_alloc,
	.free = guard_free,
#ifdef PEDMA_HAVE_DMA_OPS_MAP_PHYS
	.map_phys = guard_map,
	.unmap_phys = guard_unmap,
#else
	.map_page = guard_map_page,
	.unmap_page = guard_unmap,
#endif
	.map_sg = guard_map_sg,
	.unmap_sg = guard_unmap_sg,
	.dma_supported = guard_dma_supported,
	.get_required_mask = guard_get_required_mask,
};

/* ---- violation reports ---- */

static const char *const guard_what[] = {
	[PEDMA_LAB_GUARD_SRC] = "source",
	[PEDMA_LAB_GUARD_DST] = "destination",
	[PEDMA_LAB_GUARD_LL] = "LL element",
	[PEDMA_LAB_GUARD_IMWR] = "IMWr",
};

/* A frame of the DMA API or of the guard itself, not the caller's */
static bool guard_frame_is_ours(unsigned long ip)
{
	static const char *const prefixes[] = {
		"guard_", "stack_trace_", "arch_stack_walk", "dma_", "debug_dma_",
		"__dma_",
	};
	char name[48];	/* enough for the prefixes; longer names are cut */
	unsigned int i;

	snprintf(name, sizeof(name), "%ps", (void *)ip);
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/* Read the model's violation record: count, fields, count again */
static bool guard_read_viol(struct pedma_guard *g,
			    struct pedma_lab_guard_viol *v)
{
	struct pedma_lab_guard_viol *src = &g->desc->viol;
	unsigned int tries;
	u32 c;

	for (tries = 0; tries < 8; tries++) {
		c = le32_to_cpu(READ_ONCE(src->count));
		/* The model stores the fields, then count (release) */
		smp_rmb();
		memcpy(v, src, sizeof(*v));
		/* Fields read before count is checked again */
		smp_rmb();
		if (le32_to_cpu(READ_ONCE(src->count)) == c &&
		    le32_to_cpu(v->count) == c)
			return true;
	}
	return false;
}

static void guard_work(struct work_struct *work)
{
	struct pedma_guard *g = container_of(work, struct pedma_guard, work);
	unsigned long shown[GUARD_TRACE_SHOWN] = { };
	struct pedma_lab_guard_viol v;
	struct guard_unmap found = { };
	u64 page, addr, seq, oldest;
	unsigned long flags;
	unsigned int i, n;
	u32 what, len, count;

	if (!guard_read_viol(g, &v))
		return;
	count = le32_to_cpu(v.count);
	if (count == g->viol_seen)
		return;
	n = count - g->viol_seen;
	g->viol_seen = count;
	what = le32_to_cpu(v.what);
	page = le64_to_cpu(v.addr);
	len = le32_to_cpu(v.size);
	switch (what) {
	case PEDMA_LAB_GUARD_SRC:
		addr = le64_to_cpu(v.sar);
		break;
	case PEDMA_LAB_GUARD_LL:
		addr = le64_to_cpu(v.llp);
		break;
	case PEDMA_LAB_GUARD_DST:
	case PEDMA_LAB_GUARD_IMWR:
		addr = le64_to_cpu(v.dar);
		break;
	default:
		what = 0;
		addr = page;
		break;
	}

	/* The newest unmap that covered the page */
	spin_lock_irqsave(&g->ring_lock, flags);
	oldest = g->seq > GUARD_RING_ENTRIES ? g->seq - GUARD_RING_ENTRIES : 0;
	for (seq = g->seq; seq > oldest; seq--) {
		const struct guard_unmap *u =
			&g->ring[(seq - 1) % GUARD_RING_ENTRIES];

		if (u->seq == seq && u->size && page < u->addr + u->size &&
		    u->addr < page + PAGE_SIZE) {
			found = *u;
			break;
		}
	}
	spin_unlock_irqrestore(&g->ring_lock, flags);

	if (!found.seq) {
		dev_err_ratelimited(g->dev,
				    "DMA guard violation: eDMA %s channel %u touched %#llx+%u (%s, page %#llx not mapped; %u new, %u in all); not among the last %u unmaps\n",
				    le32_to_cpu(v.dir) ? "read" : "write",
				    le32_to_cpu(v.chan), addr, len,
				    what ? guard_what[what] : "?", page, n,
				    count, GUARD_RING_ENTRIES);
		return;
	}
	for (i = 0, n = 0; i < found.nr_trace && n < GUARD_TRACE_SHOWN; i++) {
		if (!guard_frame_is_ours(found.trace[i]))
			shown[n++] = found.trace[i];
	}
	dev_err_ratelimited(g->dev,
			    "DMA guard violation: eDMA %s channel %u touched %#llx+%u (%s, page %#llx not mapped; %u in all), unmapped %pad+%zu by %pS <- %pS <- %pS (seq %llu of %llu, %u ms ago)\n",
			    le32_to_cpu(v.dir) ? "read" : "write",
			    le32_to_cpu(v.chan), addr, len,
			    what ? guard_what[what] : "?", page, count,
			    &found.addr, found.size, (void *)shown[0],
			    (void *)shown[1], (void *)shown[2], found.seq,
			    READ_ONCE(g->seq),
			    jiffies_to_msecs(jiffies - found.when));
}

irqreturn_t pedma_lab_guard_irq(int irq, void *dev_id)
{
	struct pedma_guard *g = dev_id;

	schedule_work(&g->work);
	return IRQ_HANDLED;
}

/* ---- setup ---- */

u64 pedma_lab_guard_gpa(const struct pedma_guard *g)
{
	return virt_to_phys(g->desc);
}

static void guard_free_mem(struct pedma_guard *g)
{
	vfree(g->ring);
	free_page((unsigned long)g->desc);
	bitmap_free(g->iova_map);
	vfree(g->table);
	kfree(g);
}

int pedma_lab_guard_init(struct pci_dev *pdev, struct pedma_guard **gp)
{
	struct device *dev = &pdev->dev;
	struct pedma_guard *g;
	unsigned int i;

	*gp = NULL;
	if (get_dma_ops(dev) || device_iommu_mapped(dev)) {
		dev_warn(dev, "DMA guard off: the device has DMA ops or an IOMMU already\n");
		return 0;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->dev = dev;
	spin_lock_init(&g->iova_lock);
	spin_lock_init(&g->ring_lock);
	INIT_WORK(&g->work, guard_work);
	g->table_pages = PEDMA_LAB_GUARD_MAX_TABLE_PAGES;
	g->pages = (unsigned long)g->table_pages *
		   PEDMA_LAB_GUARD_ENTRIES_PER_PAGE;
	g->iova_base = PEDMA_LAB_GUARD_IOVA_BASE;
	g->table = vzalloc(array_size(g->table_pages, PAGE_SIZE));
	g->iova_map = bitmap_zalloc(g->pages, GFP_KERNEL);
	g->desc = (void *)get_zeroed_page(GFP_KERNEL);
	g->ring = vzalloc(array_size(GUARD_RING_ENTRIES, sizeof(*g->ring)));
	if (!g->table || !g->iova_map || !g->desc || !g->ring) {
		guard_free_mem(g);
		return -ENOMEM;
	}
	for (i = 0; i < g->table_pages; i++) {
		struct page *p = vmalloc_to_page((u8 *)g->table + i * PAGE_SIZE);

		g->desc->table_gpa[i] = cpu_to_le64(page_to_phys(p));
	}
	g->desc->pages = cpu_to_le32(g->pages);
	g->desc->table_pages = cpu_to_le32(g->table_pages);
	g->desc->iova_base = cpu_to_le64(g->iova_base);
	g->desc->version = cpu_to_le32(PEDMA_LAB_GUARD_VERSION);
	g->desc->magic = cpu_to_le64(PEDMA_LAB_GUARD_MAGIC);

	mutex_lock(&guard_claim);
	if (guard_cur) {
		mutex_unlock(&guard_claim);
		dev_warn(dev, "DMA guard off: %s has it\n",
			 dev_name(guard_cur->dev));
		guard_free_mem(g);
		return 0;
	}
	WRITE_ONCE(guard_cur, g);
	set_dma_ops(dev, &guard_dma_ops);
	mutex_unlock(&guard_claim);

	dev_info(dev, "DMA guard on: IOVAs %#llx..%#llx (%lu pages, %u table pages)\n",
		 g->iova_base, g->iova_base + ((u64)g->pages << PAGE_SHIFT) - 1,
		 g->pages, g->table_pages);
	*gp = g;
	return 0;
}

struct page *pedma_lab_guard_dma_page(struct pedma_guard *g, dma_addr_t addr)
{
	phys_addr_t phys = guard_iova_phys(g, addr);

	if (!phys || !pfn_valid(PHYS_PFN(phys)))
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}

void pedma_lab_guard_fini(struct pedma_guard *g, bool model_done)
{
	unsigned long held;

	if (!g)
		return;
	mutex_lock(&guard_claim);
	set_dma_ops(g->dev, NULL);
	WRITE_ONCE(guard_cur, NULL);
	mutex_unlock(&guard_claim);
	cancel_work_sync(&g->work);

	/* No one maps through us any more: no lock needed */
	held = g->mapped;
	if (held)
		dev_warn(g->dev, "DMA guard: %lu IOVA pages still mapped at removal (leaked mappings)\n",
			 held);
	if (atomic_long_read(&g->bad_unmaps))
		dev_warn(g->dev, "DMA guard: %ld unmaps of IOVAs that were not mapped\n",
			 atomic_long_read(&g->bad_unmaps));
	if (!model_done) {
		dev_warn(g->dev, "DMA guard: the model may still read the guard table; leaving it allocated\n");
		return;
	}
	guard_free_mem(g);
}

#else /* no driver-installable DMA ops, or not 4 KiB pages */

int pedma_lab_guard_init(struct pci_dev *pdev, struct pedma_guard **gp)
{
	*gp = NULL;
	dev_warn(&pdev->dev, "DMA guard off: this kernel does not let a driver install DMA ops (or pages are not 4 KiB)\n");
	return 0;
}

u64 pedma_lab_guard_gpa(const struct pedma_guard *g)
{
	return 0;
}

irqreturn_t pedma_lab_guard_irq(int irq, void *dev_id)
{
	return IRQ_NONE;
}

struct page *pedma_lab_guard_dma_page(struct pedma_guard *g, dma_addr_t addr)
{
	return NULL;
}

void pedma_lab_guard_fini(struct pedma_guard *g, bool model_done)
{
}

#endif
