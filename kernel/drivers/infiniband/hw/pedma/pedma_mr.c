// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma memory regions and key translation.
 *
 * A user MR is pinned with ib_umem_get() and DMA-mapped for the device the
 * eDMA masters through (the backend's dma_dev), then described as an array
 * of equal DMA blocks of the largest size the mapping allows.  Every MR is
 * published in our area's MR table with its page array, so the peer
 * translates our keys itself: one-sided operations need no CPU here, and
 * receive buffers we publish are translated by the sender the same way.
 *
 * Deregistration is synchronous: the table entry is invalidated, the peer
 * confirms it stopped using the key and finished its chains, our own
 * chains drain, and only then are the pages unpinned (architecture §4).
 * rereg_user_mr withdraws the entry the same way before it publishes the
 * new translation, access or PD under a new key.
 *
 * Fast registration (FRWR): alloc_mr() reserves the page lists (ours and
 * the published one in the heap) and an index; the MR starts invalid.
 * IB_WR_REG_MR runs in send queue order under xlock (pedma_xfer.c): the
 * page list map_mr_sg() built is copied and published, entry last, before
 * the request completes, so every later request of that QP, and any peer
 * told of the key by one, sees it.  LOCAL_INV and a peer's SEND_INV
 * withdraw the entry and complete only after the peer acknowledged a sync
 * requested after the withdrawal: no chain of the peer can then reach the
 * pages (the same rule as deregistration, without sleeping).  The MR
 * remembers that sync (inv_pending, inv_seq, on dev->inv_mrs) until the
 * acknowledgment is seen or the peer is quiet: a LOCAL_INV of the invalid
 * MR and a new REG_MR of it wait for that too, so that no completion on
 * the MR comes before the old pages are out of the peer's reach.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include "pedma.h"

#define PEDMA_MR_PGSZ_BITMAP	(SZ_4K | SZ_8K | SZ_16K | SZ_32K | SZ_64K | \
				 SZ_128K | SZ_256K | SZ_512K | SZ_1M | SZ_2M | \
				 SZ_4M | SZ_8M | SZ_16M | SZ_32M | SZ_64M | \
				 SZ_128M | SZ_256M | SZ_512M | SZ_1G)
#define PEDMA_DRAIN_TIMEOUT	(5 * HZ)
/* Access flags a user MR may have (reg_user_mr, rereg_user_mr) */
#define PEDMA_USER_ACCESS	(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE | \
				 IB_ACCESS_REMOTE_READ | \
				 IB_ACCESS_REMOTE_ATOMIC | \
				 IB_ACCESS_RELAXED_ORDERING)
/* Longest run of contiguous blocks merged into one segment per lookup */
#define PEDMA_SEG_MERGE_MAX	512

static u32 ib_to_acc(int access)
{
	u32 acc = 0;

	if (access & IB_ACCESS_LOCAL_WRITE)
		acc |= PEDMA_ACC_LOCAL_WRITE;
	if (access & IB_ACCESS_REMOTE_WRITE)
		acc |= PEDMA_ACC_REMOTE_WRITE;
	if (access & IB_ACCESS_REMOTE_READ)
		acc |= PEDMA_ACC_REMOTE_READ;
	if (access & IB_ACCESS_REMOTE_ATOMIC)
		acc |= PEDMA_ACC_REMOTE_ATOMIC;
	return acc;
}

static int acc_to_ib(u32 acc)
{
	int access = 0;

	if (acc & PEDMA_ACC_LOCAL_WRITE)
		access |= IB_ACCESS_LOCAL_WRITE;
	if (acc & PEDMA_ACC_REMOTE_WRITE)
		access |= IB_ACCESS_REMOTE_WRITE;
	if (acc & PEDMA_ACC_REMOTE_READ)
		access |= IB_ACCESS_REMOTE_READ;
	if (acc & PEDMA_ACC_REMOTE_ATOMIC)
		access |= IB_ACCESS_REMOTE_ATOMIC;
	return access;
}

/* Is [addr, addr + len) inside [iova, iova + length)?  Overflow-safe. */
static bool in_mr_range(u64 iova, u64 length, u64 addr, u64 len)
{
	return addr >= iova && addr - iova <= length && len <= length - (addr - iova);
}

/* Publish @mr in our MR table (page array first, entry last).  xlock held. */
static void mr_publish(struct pedma_dev *dev, struct pedma_mr *mr)
{
	struct pedma_mr_ent e = {
		.access = cpu_to_le32(mr->access),
		.iova = cpu_to_le64(mr->iova),
		.length = cpu_to_le64(mr->length),
		.pages_off = cpu_to_le32(mr->pages_off),
		.npages = cpu_to_le32(mr->npages),
		.page_shift = mr->page_shift,
		.type = mr->type,
		.pd = cpu_to_le32(mr->pd_id),
	};
	u32 slot = PEDMA_AREA_MRTAB_OFF + mr->index * sizeof(e);

	if (dev->leaving)
		return;		/* withdrawn for good */
	pedma_out_copy(dev, slot + 4, (u8 *)&e + 4, sizeof(e) - 4);
	wmb();	/* the entry is valid once its key is */
	pedma_out_w32(dev, slot, mr->key);
}

static int mr_insert(struct pedma_dev *dev, struct ib_pd *pd,
		     struct pedma_mr *mr)
{
	unsigned long flags;
	u32 index;
	int ret;

	if (atomic_inc_return(&dev->nmr) >= PEDMA_MAX_MR) {
		ret = -ENOMEM;
		goto err;
	}
	ret = xa_alloc_irq(&dev->mrs, &index, NULL,
			   XA_LIMIT(1, PEDMA_MAX_MR - 1), GFP_KERNEL);
	if (ret)
		goto err;
	mr->index = index;
	INIT_LIST_HEAD(&mr->inv_node);
	mr->pd_id = container_of(pd, struct pedma_pd, ibpd)->id;
	/* A fast-reg MR is invalid until IB_WR_REG_MR. */
	mr->valid = mr->type != PEDMA_MR_TYPE_FRWR;

	spin_lock_irqsave(&dev->xlock, flags);
	/* lkey == rkey: table index and an 8-bit generation */
	mr->key = index << 8 | dev->mr_gen++;
	mr->ibmr.lkey = mr->key;
	mr->ibmr.rkey = mr->key;
	if (mr->valid)
		mr_publish(dev, mr);
	xa_store(&dev->mrs, index, mr, GFP_ATOMIC);
	spin_unlock_irqrestore(&dev->xlock, flags);
	return 0;
err:
	atomic_dec(&dev->nmr);
	return ret;
}

/*
 * No new translation of @mr's key, here or at the peer: withdraw its
 * table entry, have the peer acknowledge a sync made after that (its
 * chains that translated the entry ended; a silent peer is taken as dead,
 * pedma_mr_sync()) and let our own chains started before drain.  @erase:
 * for good (dereg: out of the MR xarray); else the MR stays, invalid
 * (rereg publishes it again).  Process context; bounded waits.
 */
static void mr_withdraw_wait(struct pedma_dev *dev, struct pedma_mr *mr,
			     bool erase)
{
	u32 snap[2][PEDMA_MAX_CHAN];
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	if (erase)
		xa_erase(&dev->mrs, mr->index);
	else
		mr->valid = false;
	if (mr->inv_pending) {
		/* the sync below covers the withdrawal too */
		mr->inv_pending = false;
		list_del_init(&mr->inv_node);
	}
	pedma_out_w32(dev, PEDMA_AREA_MRTAB_OFF +
		      mr->index * sizeof(struct pedma_mr_ent), 0);
	pedma_chains_snap(dev, snap);
	spin_unlock_irqrestore(&dev->xlock, flags);

	pedma_mr_sync(dev);
	if (!wait_event_timeout(dev->sync_wq, pedma_chains_done(dev, snap),
				PEDMA_DRAIN_TIMEOUT))
		ibdev_warn(&dev->ibdev, "eDMA chains did not drain for MR %#x\n",
			   mr->ibmr.lkey);
}

static void mr_remove(struct pedma_dev *dev, struct pedma_mr *mr)
{
	mr_withdraw_wait(dev, mr, true);
	atomic_dec(&dev->nmr);
}

static struct ib_mr *pedma_get_dma_mr(struct ib_pd *pd, int access)
{
	struct pedma_dev *dev = to_pdev(pd->device);
	struct pedma_mr *mr;
	int ret;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	/*
	 * The identity: kernel consumers address memory by bus address.  Its
	 * remote rights are the kernel's unsafe global rkey, which only a
	 * kernel PD created with IB_PD_UNSAFE_GLOBAL_RKEY asks for.
	 */
	mr->type = PEDMA_MR_TYPE_DMA;
	mr->length = U64_MAX;
	mr->access = ib_to_acc(access);
	ret = mr_insert(dev, pd, mr);
	if (ret) {
		kfree(mr);
		return ERR_PTR(ret);
	}
	return &mr->ibmr;
}

/* The translation of a user MR: pinned pages and their published array */
struct mr_trans {
	struct ib_umem *umem;
	u64 *pages;		/* block bus addresses */
	u32 npages;
	u32 pages_off;		/* the array in our area's heap */
	u8 page_shift;
};

/*
 * Pin and map [start, start + length) for @access, describe it as equal
 * DMA blocks for @iova and write the block array into a new heap area
 * (which no MR entry names yet).
 */
static int mr_trans_get(struct pedma_dev *dev, u64 start, u64 length,
			u64 iova, int access, struct mr_trans *t)
{
	struct ib_block_iter biter;
	unsigned long pgsz;
	size_t bytes;
	u32 i = 0;
	int ret;

#ifdef PEDMA_HAVE_UMEM_GET_VA
	t->umem = ib_umem_get_va(&dev->ibdev, start, length, access);
#else
	t->umem = ib_umem_get(&dev->ibdev, start, length, access);
#endif
	if (IS_ERR(t->umem))
		return PTR_ERR(t->umem);
	pgsz = ib_umem_find_best_pgsz(t->umem, PEDMA_MR_PGSZ_BITMAP, iova);
	if (!pgsz) {
		ret = -EINVAL;
		goto err_umem;
	}
	t->page_shift = order_base_2(pgsz);
	t->npages = ib_umem_num_dma_blocks(t->umem, pgsz);
	t->pages = kvmalloc_array(t->npages, sizeof(u64), GFP_KERNEL);
	if (!t->pages) {
		ret = -ENOMEM;
		goto err_umem;
	}
	rdma_umem_for_each_dma_block(t->umem, &biter, pgsz) {
		if (WARN_ON_ONCE(i >= t->npages))
			break;
		t->pages[i++] = rdma_block_iter_dma_address(&biter);
	}

	bytes = array_size(t->npages, sizeof(__le64));
	t->pages_off = pedma_heap_alloc(dev, bytes);
	if (!t->pages_off) {
		ret = -ENOMEM;
		goto err_pages;
	}
	for (i = 0; i < t->npages; i++)
		pedma_out_w64(dev, t->pages_off + i * 8, t->pages[i]);
	return 0;

err_pages:
	kvfree(t->pages);
err_umem:
	ib_umem_release(t->umem);
	return ret;
}

/* Give back a translation no entry names and no chain can reach. */
static void mr_trans_put(struct pedma_dev *dev, struct mr_trans *t)
{
	pedma_heap_free(dev, t->pages_off,
			array_size(t->npages, sizeof(__le64)));
	kvfree(t->pages);
	ib_umem_release(t->umem);
}

static void mr_trans_set(struct pedma_mr *mr, const struct mr_trans *t)
{
	mr->umem = t->umem;
	mr->pages = t->pages;
	mr->npages = t->npages;
	mr->pages_off = t->pages_off;
	mr->page_shift = t->page_shift;
}

static struct ib_mr *reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
				 u64 iova, int access, struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(pd->device);
	struct pedma_mr *mr;
	struct mr_trans t;
	int ret;

	if (access & ~PEDMA_USER_ACCESS)
		return ERR_PTR(-EOPNOTSUPP);
	if (!length || length > PEDMA_MAX_MR_SIZE)
		return ERR_PTR(-EINVAL);

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	ret = mr_trans_get(dev, start, length, iova, access, &t);
	if (ret)
		goto err_free;
	mr_trans_set(mr, &t);
	mr->type = PEDMA_MR_TYPE_PAGED;
	mr->iova = iova;
	mr->length = length;
	mr->access = ib_to_acc(access);

	ret = mr_insert(dev, pd, mr);
	if (ret)
		goto err_trans;
	return &mr->ibmr;

err_trans:
	mr_trans_put(dev, &t);
err_free:
	kfree(mr);
	return ERR_PTR(ret);
}

#ifdef PEDMA_HAVE_REG_USER_MR_DMAH
/* No DMA handles (no alloc_dmah): the core passes one only if it was made. */
static struct ib_mr *pedma_reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
				       u64 iova, int access,
				       struct ib_dmah *dmah,
				       struct ib_udata *udata)
{
	if (dmah)
		return ERR_PTR(-EOPNOTSUPP);
	return reg_user_mr(pd, start, length, iova, access, udata);
}
#else
static struct ib_mr *pedma_reg_user_mr(struct ib_pd *pd, u64 start, u64 length,
				       u64 iova, int access,
				       struct ib_udata *udata)
{
	return reg_user_mr(pd, start, length, iova, access, udata);
}
#endif

/*
 * rereg_user_mr: IB_MR_REREG_TRANS, _PD and _ACCESS in any combination,
 * in place (the core keeps the MR object).  The new translation is pinned
 * and its page array written first: a failure there leaves the MR as it
 * was.  Then, as for dereg_mr, the table entry is withdrawn (no new
 * translation here or at the peer), the peer acknowledges a sync made
 * after that (every chain of it that translated the old entry ended; a
 * peer that does not answer in PEDMA_PEER_SYNC_TIMEOUT is taken as dead,
 * pedma_mr_sync()) and our own chains started before drain.  Only then
 * are the new translation, access and PD published, under a new key (the
 * same index, a new generation), before the call returns; the old pages
 * are given back last.  The key changes so that a request of the peer
 * that spans several chains cannot go on into the new registration with
 * the old key (keys are translated again for every chain): it fails with
 * IB_WC_REM_ACCESS_ERR like any stale key, as do work requests still
 * naming the old lkey.  ACCESS that adds write rights to an MR pinned
 * read-only pins the same range again (as TRANS).  Refused: MRs that
 * are not user MRs (-EINVAL).
 */
static struct ib_mr *pedma_rereg_user_mr(struct ib_mr *ibmr, int flags,
					 u64 start, u64 length, u64 iova,
					 int access, struct ib_pd *pd,
					 struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibmr->device);
	struct pedma_mr *mr = to_pmr(ibmr);
	struct mr_trans t = {}, old = {};
	bool trans = flags & IB_MR_REREG_TRANS;
	unsigned long irqf;
	u32 key;
	int ret;

	if (!udata || mr->type != PEDMA_MR_TYPE_PAGED || !mr->umem)
		return ERR_PTR(-EINVAL);
	if (flags & ~(IB_MR_REREG_TRANS | IB_MR_REREG_PD | IB_MR_REREG_ACCESS))
		return ERR_PTR(-EOPNOTSUPP);
	if (!(flags & IB_MR_REREG_ACCESS))
		access = acc_to_ib(mr->access);
	else if (access & ~PEDMA_USER_ACCESS)
		return ERR_PTR(-EOPNOTSUPP);
	if (!(flags & IB_MR_REREG_PD))
		pd = ibmr->pd;
	if (!trans && ib_access_writable(access) && !mr->umem->writable) {
		trans = true;
		start = mr->umem->address;
		length = mr->umem->length;
		iova = mr->iova;
	}
	if (trans) {
		if (!length || length > PEDMA_MAX_MR_SIZE)
			return ERR_PTR(-EINVAL);
		ret = mr_trans_get(dev, start, length, iova, access, &t);
		if (ret)
			return ERR_PTR(ret);
	}

	mr_withdraw_wait(dev, mr, false);	/* no local translation either */

	spin_lock_irqsave(&dev->xlock, irqf);
	if (trans) {
		old.umem = mr->umem;
		old.pages = mr->pages;
		old.npages = mr->npages;
		old.pages_off = mr->pages_off;
		mr_trans_set(mr, &t);
		mr->iova = iova;
		mr->length = length;
	}
	mr->access = ib_to_acc(access);
	mr->ibmr.pd = pd;
	mr->pd_id = container_of(pd, struct pedma_pd, ibpd)->id;
	do {
		key = mr->index << 8 | dev->mr_gen++;
	} while (key == mr->key);
	mr->key = key;
	mr->ibmr.lkey = key;
	mr->ibmr.rkey = key;
	mr->valid = true;
	wmb();	/* the page array before the entry that names it */
	mr_publish(dev, mr);
	/* flush the posted writes: the peer may be told the key next */
	pedma_wnd_readl(dev, pedma_out(dev, PEDMA_AREA_MRTAB_OFF +
				       mr->index * sizeof(struct pedma_mr_ent)));
	spin_unlock_irqrestore(&dev->xlock, irqf);

	if (trans)
		mr_trans_put(dev, &old);
	return NULL;
}

static int pedma_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibmr->device);
	struct pedma_mr *mr = to_pmr(ibmr);

	mr_remove(dev, mr);
	if (mr->pages_off)
		pedma_heap_free(dev, mr->pages_off,
				array_size(mr->max_pages ?: mr->npages,
					   sizeof(__le64)));
	kvfree(mr->pages);
	kfree(mr->map);
	if (mr->umem)
		ib_umem_release(mr->umem);
	kfree(mr);
	return 0;
}

/*
 * The run of bus addresses at byte @off of a paged MR: as many blocks as
 * are contiguous, up to @len bytes.  @page(i) reads block i.
 */
static void paged_seg(u64 iova, u8 shift, u32 npages, u64 off, u64 len,
		      u64 (*page)(const void *ctx, u32 i), const void *ctx,
		      struct pedma_seg *seg)
{
	u64 bsz = 1ULL << shift;
	u64 pos = (iova & (bsz - 1)) + off;
	u32 idx = pos >> shift;
	u64 base = page(ctx, idx);
	u32 n = 1;

	seg->addr = base + (pos & (bsz - 1));
	seg->len = bsz - (pos & (bsz - 1));
	while (seg->len < len && idx + n < npages && n < PEDMA_SEG_MERGE_MAX &&
	       page(ctx, idx + n) == base + n * bsz) {
		seg->len += bsz;
		n++;
	}
	seg->len = min(seg->len, len);
}

static u64 local_page(const void *ctx, u32 i)
{
	const struct pedma_mr *mr = ctx;

	return mr->pages[i];
}

/*
 * Translate [addr, addr + len) of local key @lkey: check that the MR
 * exists, belongs to @pd, grants @need (PEDMA_ACC_*) and covers the whole
 * range; return the first contiguous run in @seg.  len 0 checks the key
 * only.  xlock held.
 */
int pedma_local_seg(struct pedma_dev *dev, struct ib_pd *pd, u32 lkey,
		    u64 addr, u64 len, u32 need, struct pedma_seg *seg)
{
	struct pedma_mr *mr = xa_load(&dev->mrs, lkey >> 8);

	if (!mr || mr->key != lkey || !mr->valid || mr->ibmr.pd != pd ||
	    (mr->access & need) != need)
		return -EACCES;
	if (mr->type == PEDMA_MR_TYPE_DMA) {
		seg->addr = addr;
		seg->len = len;
		return 0;
	}
	if (!in_mr_range(mr->iova, mr->length, addr, len))
		return -EACCES;
	if (!len) {
		seg->addr = 0;
		seg->len = 0;
		return 0;
	}
	paged_seg(mr->iova, mr->page_shift, mr->npages, addr - mr->iova, len,
		  local_page, mr, seg);
	return 0;
}

/*
 * The peer's page arrays.  Translating a peer key reads the block
 * addresses of the range from the peer's page array, one 8-byte load per
 * block; where the peer's area is across the link (the host's view of the
 * endpoint's) each is a PCIe read, as many per message as the message has
 * blocks.  The entries of dev->pmrc keep what was read, per MR table entry
 * of the peer, for the calls that follow.
 *
 * Why a copy stays true: the peer writes a page array before the entry
 * that names it and never changes it while the entry is valid; it
 * withdraws an entry (deregistration, reregistration, invalidation) before
 * it frees or reuses the array, and only after our acknowledgment of the
 * MR sync it then requests.  We empty every slot when we see that request
 * (pedma_data_event()), before the acknowledgment can leave, and when a
 * new peer instance is linked.  The entry itself is still read and checked
 * on every call, and a slot only serves the entry it was filled for, byte
 * for byte: a withdrawn key finds no slot.
 */
int pedma_pmrc_init(struct pedma_dev *dev)
{
	size_t words = BITS_TO_LONGS(PEDMA_PMRC_PAGES);
	u64 *mem;
	int i;

	BUILD_BUG_ON(sizeof(unsigned long) > sizeof(u64));
	mem = kvcalloc(PEDMA_PMRC_SLOTS, (PEDMA_PMRC_PAGES + words) * sizeof(u64),
		       GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	dev->pmrc_mem = mem;
	for (i = 0; i < PEDMA_PMRC_SLOTS; i++) {
		dev->pmrc[i].pages = mem;
		dev->pmrc[i].have = (unsigned long *)(mem + PEDMA_PMRC_PAGES);
		mem += PEDMA_PMRC_PAGES + words;
	}
	return 0;
}

void pedma_pmrc_destroy(struct pedma_dev *dev)
{
	kvfree(dev->pmrc_mem);
	dev->pmrc_mem = NULL;
}

/* Forget every copy: the peer asked for a sync, or is a new one.  xlock. */
void pedma_pmrc_flush(struct pedma_dev *dev)
{
	int i;

	for (i = 0; i < PEDMA_PMRC_SLOTS; i++)
		dev->pmrc[i].e.key = 0;
}

/* The slot of entry @e (checked, key nonzero): its own, or one taken */
static struct pedma_pmrc_slot *pmrc_slot(struct pedma_dev *dev,
					 const struct pedma_mr_ent *e)
{
	struct pedma_pmrc_slot *s, *free = NULL;
	int i;

	for (i = 0; i < PEDMA_PMRC_SLOTS; i++) {
		s = &dev->pmrc[i];
		if (!s->e.key)
			free = free ?: s;
		else if (!memcmp(&s->e, e, sizeof(*e)))
			return s;
	}
	s = free ?: &dev->pmrc[dev->pmrc_next++ % PEDMA_PMRC_SLOTS];
	s->e = *e;
	bitmap_zero(s->have, PEDMA_PMRC_PAGES);
	return s;
}

struct peer_pages {
	struct pedma_dev *dev;
	struct pedma_rkey_view *v;	/* or NULL */
	struct pedma_pmrc_slot *s;	/* or NULL */
	void __iomem *base;
};

static u64 peer_page(const void *ctx, u32 i)
{
	const struct peer_pages *pp = ctx;
	struct pedma_rkey_view *v = pp->v;
	struct pedma_pmrc_slot *s = i < PEDMA_PMRC_PAGES ? pp->s : NULL;
	u64 a;

	if (s && test_bit(i, s->have))
		return s->pages[i];
	if (v && v->page_valid && v->page_idx == i)
		return v->page;
	a = pedma_wnd_readq(pp->dev, pp->base + (size_t)i * 8);
	if (s) {
		s->pages[i] = a;
		__set_bit(i, s->have);
	} else if (v) {
		v->page_valid = true;
		v->page_idx = i;
		v->page = a;
	}
	return a;
}

/*
 * The same for a key of the peer, from its MR table in its area.  Every
 * field is untrusted: the entry is copied, the key compared, the page
 * array bounded by the area.  @pd nonzero: the MR must belong to that
 * protection domain of the peer (the target QP's).  xlock held.
 */
static int peer_seg(struct pedma_dev *dev, struct pedma_rkey_view *v,
		    u32 key, u32 pd, u64 addr, u64 len, u32 need,
		    struct pedma_seg *seg)
{
	u32 index = key >> 8, npages, off;
	struct pedma_mr_ent e;
	struct peer_pages pp;
	u64 iova, length, blocks;
	u8 shift;

	if (!index || index >= PEDMA_MAX_MR)
		return -EACCES;
	if (v && v->key == key) {
		e = v->e;
	} else {
		pedma_wnd_copy(dev, &e, pedma_in(dev, PEDMA_AREA_MRTAB_OFF, 0) +
			       index * sizeof(e), sizeof(e));
		if (v) {
			v->key = key;
			v->e = e;
			v->page_valid = false;
		}
	}
	if (le32_to_cpu(e.key) != key ||
	    (le32_to_cpu(e.access) & need) != need ||
	    (pd && le32_to_cpu(e.pd) != pd))
		return -EACCES;
	if (e.type == PEDMA_MR_TYPE_DMA) {
		seg->addr = addr;
		seg->len = len;
		return 0;
	}
	iova = le64_to_cpu(e.iova);
	length = le64_to_cpu(e.length);
	shift = e.page_shift;
	npages = le32_to_cpu(e.npages);
	off = le32_to_cpu(e.pages_off);
	/*
	 * Bound the length first (no MR is longer than PEDMA_MAX_MR_SIZE, and
	 * its blocks must fit in npages), so that none of the sums below can
	 * wrap; then the blocks must cover the MR and the array lie in the
	 * area, and the first block of the range is one of the MR's.
	 */
	if ((e.type != PEDMA_MR_TYPE_PAGED && e.type != PEDMA_MR_TYPE_FRWR) ||
	    shift < 12 || shift > 30 || !length ||
	    length > PEDMA_MAX_MR_SIZE || length > ((u64)npages << shift) ||
	    !in_mr_range(iova, length, addr, len))
		return -EACCES;
	blocks = ((iova & ((1ULL << shift) - 1)) + length + (1ULL << shift) - 1)
		 >> shift;
	pp.dev = dev;
	pp.v = v;
	pp.base = pedma_in(dev, off, (u64)npages * 8);
	if (!pp.base || blocks > npages)
		return -EACCES;
	if (!len) {
		seg->addr = 0;
		seg->len = 0;
		return 0;
	}
	if (((iova & ((1ULL << shift) - 1)) + (addr - iova)) >> shift >= npages)
		return -EACCES;
	pp.s = pmrc_slot(dev, &e);
	paged_seg(iova, shift, npages, addr - iova, len, peer_page, &pp, seg);
	return 0;
}

/* A receive SGE the peer published (it checked the PD when posting) */
int pedma_peer_seg(struct pedma_dev *dev, struct pedma_rkey_view *v, u32 key,
		   u64 addr, u64 len, u32 need, struct pedma_seg *seg)
{
	return peer_seg(dev, v, key, 0, addr, len, need, seg);
}

/* An rkey of the peer, used on a target QP of PD @pd (its id, nonzero) */
int pedma_peer_rseg(struct pedma_dev *dev, struct pedma_rkey_view *v,
		    u32 key, u32 pd, u64 addr, u64 len, u32 need,
		    struct pedma_seg *seg)
{
	if (!pd)
		return -EACCES;
	return peer_seg(dev, v, key, pd, addr, len, need, seg);
}

static struct ib_mr *pedma_alloc_mr(struct ib_pd *pd, enum ib_mr_type type,
				    u32 max_num_sg)
{
	struct pedma_dev *dev = to_pdev(pd->device);
	struct pedma_mr *mr;
	size_t bytes;
	int ret;

	if (type != IB_MR_TYPE_MEM_REG)
		return ERR_PTR(-EOPNOTSUPP);
	if (!max_num_sg || max_num_sg > PEDMA_MAX_FRWR_PAGES)
		return ERR_PTR(-EINVAL);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	mr->type = PEDMA_MR_TYPE_FRWR;
	mr->max_pages = max_num_sg;
	mr->page_shift = PAGE_SHIFT;
	mr->pages = kvcalloc(max_num_sg, sizeof(u64), GFP_KERNEL);
	mr->map = kcalloc(max_num_sg, sizeof(u64), GFP_KERNEL);
	if (!mr->pages || !mr->map) {
		ret = -ENOMEM;
		goto err_free;
	}
	bytes = array_size(max_num_sg, sizeof(__le64));
	mr->pages_off = pedma_heap_alloc(dev, bytes);
	if (!mr->pages_off) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = mr_insert(dev, pd, mr);
	if (ret)
		goto err_heap;
	return &mr->ibmr;

err_heap:
	pedma_heap_free(dev, mr->pages_off, bytes);
err_free:
	kfree(mr->map);
	kvfree(mr->pages);
	kfree(mr);
	return ERR_PTR(ret);
}

static int pedma_set_page(struct ib_mr *ibmr, u64 addr)
{
	struct pedma_mr *mr = to_pmr(ibmr);

	if (mr->nmap >= mr->max_pages)
		return -ENOMEM;
	mr->map[mr->nmap++] = addr;
	return 0;
}

/*
 * Build the page list the next IB_WR_REG_MR publishes.  Only map[] and
 * the ib_mr's iova/length change: a registration still valid keeps its
 * translation until it is invalidated and registered again.
 */
static int pedma_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg,
			   int sg_nents, unsigned int *sg_offset)
{
	struct pedma_mr *mr = to_pmr(ibmr);

	if (ibmr->page_size < SZ_4K || ibmr->page_size > SZ_1G ||
	    !is_power_of_2(ibmr->page_size))
		return -EINVAL;
	mr->nmap = 0;
	return ib_sg_to_pages(ibmr, sg, sg_nents, sg_offset, pedma_set_page);
}

/*
 * IB_WR_REG_MR, in send queue order (xlock held): the MR must be of the
 * QP's PD, invalid, and the key's index its own.  The page list and the
 * entry are published (entry last) before the request completes.
 */
int pedma_mr_fast_reg(struct pedma_dev *dev, struct pedma_qp *qp,
		      struct pedma_swqe *w)
{
	struct pedma_mr *mr = xa_load(&dev->mrs, w->key >> 8);
	u64 pgsz, iova, length;
	u32 i, nmap;

	/*
	 * The MR the work request named must still be the one its key
	 * indexes: a ULP that deregistered it with the request queued gets
	 * an error, not a write through a freed pointer.  Its fields are
	 * read once: map_mr_sg() does not take xlock.
	 */
	if (!mr || mr != w->mr)
		return -EINVAL;
	/* the old pages may still be reachable: wait (pedma_xfer.c) */
	if (mr->inv_pending)
		return -EAGAIN;
	pgsz = READ_ONCE(mr->ibmr.page_size);
	iova = READ_ONCE(mr->ibmr.iova);
	length = READ_ONCE(mr->ibmr.length);
	nmap = READ_ONCE(mr->nmap);
	if (mr->type != PEDMA_MR_TYPE_FRWR || mr->ibmr.pd != qp->ibqp.pd ||
	    mr->valid || !nmap || nmap > mr->max_pages || !length ||
	    pgsz < SZ_4K || pgsz > SZ_1G || !is_power_of_2(pgsz) ||
	    length > PEDMA_MAX_MR_SIZE ||
	    (iova & (pgsz - 1)) + length > (u64)nmap * pgsz ||
	    (w->access & ~(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
			   IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC)))
		return -EINVAL;
	if (dev->leaving)
		return -ENODEV;
	memcpy(mr->pages, mr->map, nmap * sizeof(u64));
	for (i = 0; i < nmap; i++)
		pedma_out_w64(dev, mr->pages_off + i * 8, mr->pages[i]);
	mr->npages = nmap;
	mr->iova = iova;
	mr->length = length;
	mr->page_shift = ilog2(pgsz);
	mr->access = ib_to_acc(w->access);
	mr->key = w->key;
	mr->valid = true;
	wmb();	/* the page array before the entry that names it */
	mr_publish(dev, mr);
	/* flush the posted writes: the peer may be told the key next */
	pedma_wnd_readl(dev, pedma_out(dev, PEDMA_AREA_MRTAB_OFF +
				       mr->index * sizeof(struct pedma_mr_ent)));
	return 0;
}

/* The fast-reg MR of PD @pd whose key is @key, or NULL.  xlock held. */
static struct pedma_mr *fr_mr(struct pedma_dev *dev, struct ib_pd *pd, u32 key)
{
	struct pedma_mr *mr = xa_load(&dev->mrs, key >> 8);

	return mr && mr->type == PEDMA_MR_TYPE_FRWR && mr->key == key &&
	       mr->ibmr.pd == pd ? mr : NULL;
}

/*
 * Invalidate fast-reg MR @key of PD @pd (LOCAL_INV, or a peer's SEND_INV
 * on a QP of @pd): withdraw its table entry and ask the peer to sync (on
 * the next link if it is down: pedma_mr_inv_rearm()); the MR is then
 * inv_pending until the peer acknowledged that sync or is quiet (not at
 * all if the peer is quiet already).  Returns
 * 1 when withdrawn now, 0 when it was invalid already (*@mrp may still be
 * inv_pending: an earlier withdrawal not acknowledged yet), -EINVAL when
 * the key names no such MR (or, @remote, no valid one).  xlock held.
 */
int pedma_mr_withdraw(struct pedma_dev *dev, struct ib_pd *pd, u32 key,
		      bool remote, struct pedma_mr **mrp)
{
	struct pedma_mr *mr = fr_mr(dev, pd, key);

	if (!mr)
		return -EINVAL;
	*mrp = mr;
	if (!mr->valid)
		return remote ? -EINVAL : 0;
	mr->valid = false;
	pedma_out_w32(dev, PEDMA_AREA_MRTAB_OFF +
		      mr->index * sizeof(struct pedma_mr_ent), 0);
	/*
	 * The link is down and the peer left it: none of its chains runs,
	 * and a new link reads the withdrawn entry.  Nothing to confirm.
	 */
	if (!dev->xfer_up && dev->peer_quiet)
		return 1;
	mr->inv_seq = dev->xfer_up ? pedma_sync_request(dev) :
				     dev->mr_sync_seq;
	if (!mr->inv_pending) {
		mr->inv_pending = true;
		list_add_tail(&mr->inv_node, &dev->inv_mrs);
	}
	return 1;
}

/*
 * SEND_WITH_INV of a loopback sender: would our receiver accept @key for
 * a receive of its QP of PD @pd?  The test pedma_mr_withdraw() makes for
 * a peer's record (a valid fast-reg MR of that PD), without withdrawing.
 * xlock held.
 */
bool pedma_mr_inv_ok(struct pedma_dev *dev, struct ib_pd *pd, u32 key)
{
	struct pedma_mr *mr = fr_mr(dev, pd, key);

	return mr && mr->valid;
}

/*
 * Is the withdrawal of @mr (a pointer kept by a waiting request, compared
 * with the table, not dereferenced unless found there under the index of
 * @key, which a REG_MR's new key shares) confirmed?  1: still pending,
 * 0: confirmed, -ENOENT: the MR is gone (deregistered: dereg_mr synced
 * with the peer itself).  xlock held.
 */
int pedma_mr_inv_state(struct pedma_dev *dev, struct pedma_mr *mr, u32 key)
{
	if (xa_load(&dev->mrs, key >> 8) != mr)
		return -ENOENT;
	return mr->inv_pending ? 1 : 0;
}

/*
 * The peer acknowledged syncs (link up), or is quiet (@all: it left the
 * link after its chains ended, or is taken as dead): the withdrawals
 * covered are confirmed.  An acknowledgment is read only with the link up
 * (the peer's area says nothing once it is down).  xlock held.
 */
void pedma_mr_inv_acked(struct pedma_dev *dev, bool all)
{
	struct pedma_mr *mr, *tmp;

	if (!all && !dev->xfer_up)
		return;
	list_for_each_entry_safe(mr, tmp, &dev->inv_mrs, inv_node) {
		if (!all && !pedma_sync_acked(dev, mr->inv_seq))
			continue;
		mr->inv_pending = false;
		list_del_init(&mr->inv_node);
	}
}

/*
 * A new link came up with withdrawals not confirmed on the last one: one
 * sync request on this link covers them all.  xlock held.
 */
void pedma_mr_inv_rearm(struct pedma_dev *dev)
{
	struct pedma_mr *mr;
	u32 seq;

	if (list_empty(&dev->inv_mrs))
		return;
	seq = pedma_sync_request(dev);
	list_for_each_entry(mr, &dev->inv_mrs, inv_node)
		mr->inv_seq = seq;
}

/*
 * SEND_WITH_INV, at the requester: would the peer accept @key for a
 * receive of its QP of PD @pd?  The same test its receiver makes on the
 * record (a valid fast-reg MR of that PD), read from its table (untrusted:
 * it only decides our own request's status).  xlock held.
 */
bool pedma_peer_inv_ok(struct pedma_dev *dev, u32 key, u32 pd)
{
	u32 index = key >> 8;
	struct pedma_mr_ent e;

	if (!index || index >= PEDMA_MAX_MR || !pd)
		return false;
	pedma_wnd_copy(dev, &e, pedma_in(dev, PEDMA_AREA_MRTAB_OFF, 0) +
		       index * sizeof(e), sizeof(e));
	return le32_to_cpu(e.key) == key && e.type == PEDMA_MR_TYPE_FRWR &&
	       le32_to_cpu(e.pd) == pd;
}

const struct ib_device_ops pedma_mr_ops = {
	.alloc_mr = pedma_alloc_mr,
	.dereg_mr = pedma_dereg_mr,
	.map_mr_sg = pedma_map_mr_sg,
	.get_dma_mr = pedma_get_dma_mr,
	.reg_user_mr = pedma_reg_user_mr,
	.rereg_user_mr = pedma_rereg_user_mr,
};
