/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The pedma window layout: pedma's own protocol between the two sides of a
 * link (versioned: PEDMA_WND_LAYOUT_VERSION, checked in the handshake).
 * The hardware it runs on -- the DesignWare eDMA registers and its
 * linked-list element format -- is in dw_edma_regs.h.
 *
 * This header is used by the kernel driver, the lab's eDMA model and the
 * tests, so that every party agrees on every offset.  It only holds formats:
 * no logic, no pointers.  All multi-byte fields are little endian.
 *
 * Layout versions (a side that sees another version refuses the link;
 * docs/architecture.md, "Window layout"):
 *   1  handshake blocks and LL rings; the metadata space reserved
 *   2  the outbound areas get their format
 *   3  datagrams: UD directory entries with their Q_Key, the multicast
 *      attachment table, the GRH flag and SL in completion records,
 *      mc_hwm in the area control block
 *   4  where a new sender starts on a published receive ring (first,
 *      PEDMA_RQE_F_SKIP)
 *   5  fast registration: PEDMA_MR_TYPE_FRWR, pd in MR table and QP
 *      directory entries, inv_rkey and PEDMA_REC_OP_SEND_INV in records
 *   6  atomics: the atomic request and answer tables, PEDMA_REC_OP_ATOMIC,
 *      PEDMA_ACC_REMOTE_ATOMIC, ctrl.atomic_res; the heap at 0x68000; QP0's
 *      directory slot validated by PEDMA_DIR_QP0_MARK
 *   7  UC QPs: PEDMA_DIR_F_UC in directory entries, PEDMA_REC_F_UC in
 *      records (a side of version 6 would ignore both bits and let its RC
 *      QPs talk to our UC QPs)
 *   8  the endpoint-driven mode: PEDMA_CAP_EP_DRIVEN, a partition without
 *      host channels, the proxy region of each area (the host's chain
 *      requests, the endpoint's answers) and ctrl.px_cancel; the heap at
 *      0x78000
 */
#ifndef PEDMA_WINDOW_H
#define PEDMA_WINDOW_H

#include <linux/types.h>

#include "dw_edma_regs.h"

/* ------------------------------------------------------------------------ */
/* The pedma window, layout version 9                                       */
/* ------------------------------------------------------------------------ */
/*
 * The window is the memory both sides reach: on real hardware the NTB
 * memory window (endpoint memory the host maps through a BAR), in the lab
 * the part of the ivshmem BAR2 after the lab area.  It carries only
 * control and metadata, never payload.  Offsets are from the window base.
 *
 *   0x000000  control page: one handshake block per side
 *   0x100000  LL memory: one ring of PEDMA_WND_LL_RING_SIZE per channel,
 *             write channels 0..7 first, then read channels 0..7
 *   0x200000  the host's outbound area, then the endpoint's outbound area,
 *             each PEDMA_WND_AREA_SIZE(window size) bytes
 *
 * "Write remote, read local": each side writes only its own handshake
 * block and its own outbound area; the peer reads them (they are its
 * inbound area).  Read-local needs each area in its reader's memory: the
 * host's outbound area is endpoint memory (the window the host writes
 * through its BAR); on real hardware the endpoint's outbound area must be
 * host memory the endpoint writes through its outbound window.  The lab
 * keeps both in the window; the format does not change.  The layout
 * version is checked in the handshake; a side that sees any other version
 * refuses the link.
 */
#define PEDMA_WND_LAYOUT_VERSION	9
#define PEDMA_WND_MIN_SIZE		0x600000	/* 6 MiB */

#define PEDMA_WND_CTRL_OFF		0x000000
#define PEDMA_WND_HS_HOST_OFF		0x000000
#define PEDMA_WND_HS_EP_OFF		0x000100
#define PEDMA_WND_LL_OFF		0x100000
#define PEDMA_WND_LL_RING_SIZE		0x10000		/* 64 KiB per channel */
#define PEDMA_WND_LL_WR_RING(ch)	(PEDMA_WND_LL_OFF + (ch) * PEDMA_WND_LL_RING_SIZE)
#define PEDMA_WND_LL_RD_RING(ch)	(PEDMA_WND_LL_OFF + \
					 (EDMA_V0_MAX_WR_CH + (ch)) * PEDMA_WND_LL_RING_SIZE)
#define PEDMA_WND_AREAS_OFF		0x200000
/* Each side's outbound area: half of what follows the LL rings, 4 KiB aligned */
#define PEDMA_WND_AREA_SIZE(wnd_size)	((((wnd_size) - PEDMA_WND_AREAS_OFF) / 2) & ~0xfffULL)
#define PEDMA_WND_AREA_OFF(role, wnd_size) \
	(PEDMA_WND_AREAS_OFF + ((role) == PEDMA_ROLE_HOST ? 0 : PEDMA_WND_AREA_SIZE(wnd_size)))

/* Roles: the host is the PCIe root complex side, the endpoint owns the eDMA */
#define PEDMA_ROLE_HOST			1
#define PEDMA_ROLE_EP			2

/* Handshake block states */
#define PEDMA_HS_DOWN			0	/* not participating (unloaded) */
#define PEDMA_HS_INIT			1	/* loaded, looking for the peer */
#define PEDMA_HS_UP			2	/* link established */

#define PEDMA_HS_MAGIC			0x414d4450u	/* "PDMA" */

/* Capability bits exchanged in the handshake */
#define PEDMA_CAP_NONE			0u
/*
 * Endpoint: the endpoint-driven mode.  The partition gives the host no
 * channel; the host's chains run on the endpoint's channels through the
 * proxy rings (PEDMA_AREA_PROXY_OFF).  A host accepts a partition without
 * host channels only with this bit.
 */
#define PEDMA_CAP_EP_DRIVEN		0x1u

/*
 * Handshake block: written only by its owner side, read by the peer.
 * Every field the peer reads is untrusted and validated.  The link is up
 * when each side has acknowledged the other's current generation
 * (peer_gen == the other side's gen) and both are INIT or UP.
 *
 * Channel partition: the endpoint owns the eDMA and proposes the split in
 * its block; the host adopts it after checking that the masks are disjoint
 * and inside the channel counts.  In the host's block the masks echo the
 * partition the host adopted.
 */
struct pedma_hs_block {
	__le32 magic;
	__le16 layout_version;
	__u8 role;
	__u8 state;
	__le32 gen;		/* new random value each time the side starts */
	__le32 peer_gen;	/* last peer gen this side acknowledged */
	__le32 heartbeat;	/* incremented periodically while loaded */
	__le32 caps;
	__u8 host_wr_mask;	/* eDMA write channels the host drives */
	__u8 host_rd_mask;	/* eDMA read channels the host drives */
	__u8 ep_wr_mask;	/* eDMA write channels the endpoint drives */
	__u8 ep_rd_mask;	/* eDMA read channels the endpoint drives */
	__u8 wr_ch_cnt;		/* channel counts from the eDMA ctrl register */
	__u8 rd_ch_cnt;
	__le16 reserved0;
	__le64 wnd_local_base;	/* endpoint: window address as the eDMA sees it */
	__le64 node_guid;
	__le64 wnd_size;	/* both sides must see the same window size */
	__le32 reserved[50];
};

#define PEDMA_HS_BLOCK_SIZE		256

PEDMA_STATIC_ASSERT(sizeof(struct pedma_hs_block) == PEDMA_HS_BLOCK_SIZE, "hs block size");
PEDMA_STATIC_ASSERT(PEDMA_WND_LL_RD_RING(EDMA_V0_MAX_RD_CH) <= PEDMA_WND_AREAS_OFF,
		    "LL rings end where the areas start");

/* ------------------------------------------------------------------------ */
/* Outbound area (layout version 5; the versions: top of this file)         */
/* ------------------------------------------------------------------------ */
/*
 * Written only by its owner; read only by the peer, which treats every
 * value as untrusted (indices bounded, keys looked up, offsets checked
 * against the area).  Offsets inside an area are from the area base.
 *
 *   0x00000  struct pedma_area_ctrl
 *   0x01000  completion records the owner produces for the peer's receive
 *            queues: PEDMA_REC_ENTRIES x struct pedma_rec
 *   0x21000  QP directory: PEDMA_MAX_QP x struct pedma_qp_dir, by QP number
 *   0x29000  MR table: PEDMA_MAX_MR x struct pedma_mr_ent, by key index
 *   0x51000  multicast attachments: PEDMA_MAX_MC x struct pedma_mc_ent
 *   0x59000  atomic requests of the owner's QPs: PEDMA_MAX_QP x struct
 *            pedma_atomic_req, by the requesting QP's number (version 6)
 *   0x63000  atomic answers of the owner (the responder): PEDMA_MAX_QP x
 *            struct pedma_atomic_resp, by the peer's requesting QP number
 *   0x68000  proxy region (layout 8, the endpoint-driven mode): the host's
 *            chain requests (PEDMA_XQ_ENTRIES x struct pedma_xreq) in the
 *            host's area, the endpoint's answers (PEDMA_XC_ENTRIES x struct
 *            pedma_xcpl) in the endpoint's
 *   0x78000  heap, owner-managed in 64-byte units: MR page arrays and
 *            published receive rings
 */
#define PEDMA_AREA_MAGIC		0x41455241u	/* "AREA" */
#define PEDMA_AREA_CTRL_OFF		0x00000
#define PEDMA_AREA_REC_OFF		0x01000
#define PEDMA_REC_ENTRIES		4096		/* power of two */
#define PEDMA_AREA_QPDIR_OFF		0x21000
#define PEDMA_MAX_QP			1024
#define PEDMA_AREA_MRTAB_OFF		0x29000
#define PEDMA_MAX_MR			4096
#define PEDMA_AREA_MC_OFF		0x51000
#define PEDMA_MAX_MC			1024
#define PEDMA_AREA_ATOMIC_REQ_OFF	0x59000
#define PEDMA_AREA_ATOMIC_RESP_OFF	0x63000
#define PEDMA_AREA_PROXY_OFF		0x68000
#define PEDMA_AREA_HEAP_OFF		0x78000
#define PEDMA_AREA_HEAP_ALIGN		64
#define PEDMA_AREA_MIN_SIZE		0x100000

/*
 * What the owner's requester moved, published for the peer's counters
 * (informational only: the peer displays them, nothing depends on them).
 * Rewritten by the owner every heartbeat; free running since the owner's
 * driver started.  Class index PEDMA_STAT_CLS_*.  Words that were
 * reserved (zero) before, so an older peer reads as having moved nothing.
 */
#define PEDMA_STAT_CLS_SEND		0	/* SEND, SEND_IMM */
#define PEDMA_STAT_CLS_WRITE		1	/* RDMA WRITE, WRITE_IMM */
#define PEDMA_STAT_CLS_READ		2	/* RDMA READ */
#define PEDMA_STAT_CLS_UD		3	/* UD and GSI datagrams */
#define PEDMA_STAT_NCLS			4

struct pedma_area_stats {
	__le64 reqs[PEDMA_STAT_NCLS];	/* requests completed */
	__le64 bytes[PEDMA_STAT_NCLS];	/* their payload bytes */
	__le64 put_pkts;	/* MTU packets into the peer (not READ) */
	__le64 get_pkts;	/* MTU packets out of the peer (READ) */
};

/*
 * Area control block.  mr_sync: deregistration is synchronous with the
 * peer (docs/architecture.md): the owner invalidates MR table entries,
 * bumps mr_sync_req and rings the peer; the peer stops translating the
 * keys, waits for its in-flight chains and then writes mr_sync_ack (in its
 * own area) = the request value.
 */
struct pedma_area_ctrl {
	__le32 magic;		/* PEDMA_AREA_MAGIC once initialised */
	__le32 gen;		/* owner's handshake gen when initialised */
	__le32 rec_prod;	/* records published in this area (free running) */
	__le32 peer_rec_cons;	/* records of the peer's area consumed */
	__le32 mr_sync_req;	/* owner asks the peer to drop stale keys */
	__le32 mr_sync_ack;	/* last peer mr_sync_req the owner completed */
	__le32 rnr_waiting;	/* owner has QPs waiting for a peer receive:
				 * ring its doorbell after posting receives */
	__le32 mc_hwm;		/* multicast entries in use are below this */
	struct pedma_area_stats stats;
	/*
	 * Bus address (the owner's side) of its atomic result buffer:
	 * PEDMA_MAX_QP x __le64, by the peer's requesting QP number; the
	 * original value of an atomic the owner executed (version 6)
	 */
	__le64 atomic_res;
	/*
	 * Proxy (layout 8): entries of the owner's proxy ring below this
	 * index are void (the owner's link went down with them unanswered or
	 * unconsumed); the peer starts there at its next link
	 */
	__le32 px_cancel;
	__le32 reserved[33];
};

/* Completion record: a SEND or WRITE_WITH_IMM reached a receive queue */
#define PEDMA_REC_OP_SEND		1
#define PEDMA_REC_OP_SEND_IMM		2
#define PEDMA_REC_OP_WRITE_IMM		3
#define PEDMA_REC_OP_SEND_INV		4	/* SEND_WITH_INV of inv_rkey */
#define PEDMA_REC_OP_ATOMIC		5	/* rq_idx: seq of atomic_req[src_qpn] */
/*
 * Claim (layout 9): the writer has a sender of its own side (a datagram, a
 * loopback SEND) for its QP src_qpn (UD, or on an SRQ), whose receives it
 * published to the reader; rq_idx: the writer's token.  The reader, the
 * ring's only consumer, takes the next receive as its own sender would
 * and answers with a PEDMA_REC_OP_SEND record flagged PEDMA_REC_F_CLAIMED
 * (dst_qpn: that QP, rq_idx: the receive, inv_rkey: the token), or
 * refuses with the same flag on a PEDMA_REC_OP_UD_CLAIM record (no
 * receive, no such QP), or, without record room, not at all.  No data
 * moves.
 */
#define PEDMA_REC_OP_UD_CLAIM		6

#define PEDMA_REC_ST_OK			0
#define PEDMA_REC_ST_LEN_ERR		1	/* message longer than the receive */
#define PEDMA_REC_ST_PROT_ERR		2	/* receive buffer not usable */

#define PEDMA_REC_F_SOLICITED		0x01
#define PEDMA_REC_F_GRH			0x02	/* UD: a GRH fills the first 40 bytes */
#define PEDMA_REC_F_UC			0x04	/* from a UC QP (only a UC QP takes it) */
#define PEDMA_REC_F_CLAIMED		0x08	/* the answer to a claim (layout 9) */

struct pedma_rec {
	__le32 seq;		/* index in the producer's stream; stale if not */
	__le32 dst_qpn;		/* receiving QP (the reader's) */
	__le32 src_qpn;		/* sending QP (the writer's) */
	__le32 rq_idx;		/* published receive consumed (QP or SRQ ring) */
	__le32 byte_len;
	__be32 imm;		/* immediate data, as posted */
	__u8 opcode;		/* PEDMA_REC_OP_* */
	__u8 status;		/* PEDMA_REC_ST_* */
	__u8 flags;		/* PEDMA_REC_F_* */
	__u8 sl;		/* UD: service level of the address vector */
	__le32 inv_rkey;	/* SEND_INV: the reader's rkey to invalidate */
};

/* QP states as published in the directory */
#define PEDMA_DIR_QPS_NONE		0
#define PEDMA_DIR_QPS_INIT		1	/* receives may be posted */
#define PEDMA_DIR_QPS_RTR		2	/* accepts incoming operations */
#define PEDMA_DIR_QPS_ERR		3

/* Access flags in the directory and the MR table */
#define PEDMA_ACC_LOCAL_WRITE		0x1
#define PEDMA_ACC_REMOTE_WRITE		0x2
#define PEDMA_ACC_REMOTE_READ		0x4
#define PEDMA_ACC_REMOTE_ATOMIC		0x8

#define PEDMA_DIR_F_SRQ			0x1	/* rq_off is a shared receive queue */
#define PEDMA_DIR_F_UD			0x2	/* a UD QP (or QP0, QP1): datagrams, qkey */
#define PEDMA_DIR_F_UC			0x4	/* a UC QP: only a UC QP may be its peer */

/*
 * Slot 0 is QP0's (the subnet management QP): its index cannot validate
 * it, so its qpn field holds this mark while valid.  A side without QP0
 * leaves the slot zero: its peer's SMPs to it are dropped, as on a port
 * with no agent.
 */
#define PEDMA_DIR_QP0_MARK		0x80000000u

struct pedma_qp_dir {
	__le32 qpn;		/* == index while valid (slot 0: the mark), 0 otherwise */
	__u8 state;		/* PEDMA_DIR_QPS_* */
	__u8 access;		/* PEDMA_ACC_REMOTE_* the QP accepts */
	__u8 min_rnr_timer;	/* IB encoding, 0..31 */
	__u8 flags;		/* PEDMA_DIR_F_* */
	__le32 dest_qpn;	/* peer QP it is connected to (RTR and later) */
	__le32 rq_off;		/* area offset of its published receive ring */
	__le32 rq_entries;	/* power of two */
	__le32 qkey;		/* UD: datagrams must carry this Q_Key */
	__le32 pd;		/* its protection domain (nonzero id) */
	__le32 reserved;
};

/*
 * Multicast attachment: QP qpn of the owner receives datagrams sent to
 * (mlid, mgid).  Valid while qpn is nonzero (written last, cleared first);
 * the peer scans entries below ctrl.mc_hwm and sends each attached QP its
 * own copy.
 */
struct pedma_mc_ent {
	__u8 mgid[16];
	__le32 qpn;
	__le16 mlid;
	__le16 reserved0;
	__le32 reserved1[2];
};

/*
 * Atomics (version 6).  The requester writes atomic_req[its QP number],
 * then a record PEDMA_REC_OP_ATOMIC (dst_qpn: the responder QP, src_qpn:
 * the requester QP, rq_idx: the request's seq) and rings the peer.  The
 * responder's kernel checks the request against its QP and MR (RC,
 * connected to src_qpn, REMOTE_ATOMIC on both, PD, range, 8-byte
 * alignment), executes it on its memory with the CPU, stores the original
 * value in its atomic result buffer (ctrl.atomic_res, slot src_qpn), then
 * writes atomic_resp[src_qpn] = { seq, status } and rings the requester,
 * whose eDMA moves the 8 bytes of the result slot into the work request's
 * buffer.  One atomic per requesting QP is outstanding at a time.
 */
#define PEDMA_ATOMIC_CMP_SWP		1
#define PEDMA_ATOMIC_FETCH_ADD		2

#define PEDMA_ATOMIC_ST_OK		0
#define PEDMA_ATOMIC_ST_ACCESS		1	/* key, rights, PD or range */
#define PEDMA_ATOMIC_ST_INVALID		2	/* misaligned, bad opcode */
#define PEDMA_ATOMIC_ST_QP		3	/* no such QP, not connected */

struct pedma_atomic_req {
	__le32 seq;		/* the record's rq_idx names this request */
	__le32 rkey;
	__u8 op;		/* PEDMA_ATOMIC_* */
	__u8 reserved0[7];
	__le64 va;
	__le64 compare_add;	/* CMP_SWP: compare; FETCH_ADD: addend */
	__le64 swap;
};

struct pedma_atomic_resp {
	__le32 seq;		/* the request answered; written last */
	__le32 status;		/* PEDMA_ATOMIC_ST_* */
};

/*
 * MR table entry.  key = (index << 8) | 8-bit generation; lkey == rkey.
 * A paged MR maps [iova, iova + length) onto npages DMA blocks of
 * 2^page_shift bytes listed at pages_off (one __le64 bus address each):
 * byte iova + n lives in block ((iova & (2^page_shift - 1)) + n) >>
 * page_shift.  A DMA MR (kernel get_dma_mr) is the identity: addresses
 * are bus addresses.  A fast-registration MR (FRWR) is paged; its entry
 * is written by IB_WR_REG_MR (key byte chosen by the consumer) and zeroed
 * by LOCAL_INV or a peer's SEND_INV, after which the owner syncs with the
 * peer (mr_sync) before completing.  pd names the owner's protection
 * domain: a one-sided operation through the key is valid only when the
 * target QP's directory entry carries the same pd (layout version 5).
 */
#define PEDMA_MR_TYPE_PAGED		1
#define PEDMA_MR_TYPE_DMA		2
#define PEDMA_MR_TYPE_FRWR		3	/* fast-reg: paged, set by REG_MR */

struct pedma_mr_ent {
	__le32 key;		/* 0: invalid */
	__le32 access;		/* PEDMA_ACC_* */
	__le64 iova;
	__le64 length;
	__le32 pages_off;
	__le32 npages;
	__u8 page_shift;
	__u8 type;		/* PEDMA_MR_TYPE_* */
	__le16 reserved0;
	__le32 pd;		/* protection domain id: the target QP's must match */
};

/*
 * A published receive ring: the receiver's kernel validates each posted
 * receive (keys, ranges, LOCAL_WRITE) and publishes it here for the
 * sender.  Header, then rq_entries slots of struct pedma_pub_rqe.  The
 * sender consumes slots in order from its own copy of the consumer index
 * and tells the receiver which slot it used in the completion record.
 *
 * A sender that starts on a ring (a new link: rings of UD QPs and SRQs
 * outlive links) starts at @first, the oldest receive the owner has not
 * completed, and steps over slots marked PEDMA_RQE_F_SKIP (completed out
 * of order, as on an SRQ or a UD queue).  Receives a sender of an earlier
 * link took but never reported stay posted and are taken again: the
 * owner still owns them, nothing gave them back.  (Layout version 4.)
 */
#define PEDMA_MAX_SGE			16

struct pedma_pub_sge {
	__le64 addr;
	__le32 length;
	__le32 lkey;
};

struct pedma_pub_ring_hdr {
	__le32 prod;		/* free running */
	__le32 ring_gen;	/* nonzero, new for each ring the owner creates */
	__le32 first;		/* where a new sender starts (free running) */
	__le32 reserved[13];
};

#define PEDMA_RQE_F_SKIP	0x01	/* completed already: step over it */

struct pedma_pub_rqe {
	__le32 idx;		/* == slot's free-running index when valid */
	__u8 num_sge;
	__u8 flags;		/* PEDMA_RQE_F_* */
	__u8 reserved0[2];
	__le64 reserved1;
	struct pedma_pub_sge sge[PEDMA_MAX_SGE];
};

/*
 * The endpoint-driven mode (layout 8): the host's chains run on the
 * endpoint's channels.  The host names its own memory by DMA address and
 * the endpoint's only by what allowed it (the authority): the endpoint
 * translates every segment itself from its own state.  Indices are free
 * running; an entry is valid while its seq is its number in the stream
 * (its index + 1, so a zeroed slot is never valid), written last.
 */
#define PEDMA_XQ_ENTRIES		64	/* power of two */
#define PEDMA_XQ_SEGS			31
#define PEDMA_XC_ENTRIES		64	/* power of two */

/* Authority kinds: what the host was allowed to reach at the endpoint */
#define PEDMA_AUTH_NONE			0
#define PEDMA_AUTH_MR			1	/* key: rkey, iova: address in it */
#define PEDMA_AUTH_RECV			2	/* key: receive index, iova: byte offset */
#define PEDMA_AUTH_ATOMIC		3	/* iova: byte offset in the result buffer */

struct pedma_xseg {
	__le64 host_addr;	/* the host's DMA address */
	__le64 iova;		/* see the kinds */
	__le32 len;
	__le32 key;		/* see the kinds */
	__le32 qpn;		/* the endpoint's target QP (MR, RECV) */
	__u8 kind;		/* PEDMA_AUTH_* */
	__u8 reserved[3];
};

struct pedma_xreq {
	__le32 seq;		/* its index in the host's stream + 1; written last */
	__u8 dir;		/* 0: endpoint -> host (a write channel), 1: host -> endpoint */
	__u8 nseg;		/* 1..PEDMA_XQ_SEGS */
	__u8 tag;		/* the host's proxy channel */
	__u8 reserved0;
	__le32 reserved[5];
	struct pedma_xseg seg[PEDMA_XQ_SEGS];
};

#define PEDMA_XST_OK			0
#define PEDMA_XST_ABORT			1	/* the engine aborted the chain */
#define PEDMA_XST_REFUSED		2	/* a segment did not translate: nothing moved */

struct pedma_xcpl {
	__le32 seq;		/* its index in the endpoint's stream + 1; written last */
	__le32 req_seq;		/* the request answered */
	__u8 tag;
	__u8 status;		/* PEDMA_XST_* */
	__u8 reserved[6];
};

PEDMA_STATIC_ASSERT(sizeof(struct pedma_area_ctrl) == 256, "area ctrl size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_xseg) == 32, "proxy segment size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_xreq) == 1024, "proxy request size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_xcpl) == 16, "proxy answer size");
PEDMA_STATIC_ASSERT(PEDMA_AREA_PROXY_OFF + PEDMA_XQ_ENTRIES * 1024 <= PEDMA_AREA_HEAP_OFF,
		    "proxy requests fit");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_rec) == 32, "record size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_qp_dir) == 32, "qp dir size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_mr_ent) == 40, "mr entry size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_pub_rqe) == 272, "pub rqe size");
PEDMA_STATIC_ASSERT(PEDMA_AREA_REC_OFF + PEDMA_REC_ENTRIES * 32 <= PEDMA_AREA_QPDIR_OFF,
		    "records fit");
PEDMA_STATIC_ASSERT(PEDMA_AREA_QPDIR_OFF + PEDMA_MAX_QP * 32 <= PEDMA_AREA_MRTAB_OFF,
		    "qp directory fits");
PEDMA_STATIC_ASSERT(PEDMA_AREA_MRTAB_OFF + PEDMA_MAX_MR * 40 <= PEDMA_AREA_MC_OFF,
		    "mr table fits");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_mc_ent) == 32, "mc entry size");
PEDMA_STATIC_ASSERT(PEDMA_AREA_MC_OFF + PEDMA_MAX_MC * 32 <= PEDMA_AREA_ATOMIC_REQ_OFF,
		    "multicast table fits");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_atomic_req) == 40, "atomic request size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_atomic_resp) == 8, "atomic answer size");
PEDMA_STATIC_ASSERT(PEDMA_AREA_ATOMIC_REQ_OFF + PEDMA_MAX_QP * 40 <= PEDMA_AREA_ATOMIC_RESP_OFF,
		    "atomic requests fit");
PEDMA_STATIC_ASSERT(PEDMA_AREA_ATOMIC_RESP_OFF + PEDMA_MAX_QP * 8 <= PEDMA_AREA_PROXY_OFF,
		    "atomic answers fit");
PEDMA_STATIC_ASSERT(PEDMA_WND_AREAS_OFF + 2 * PEDMA_AREA_MIN_SIZE <= PEDMA_WND_MIN_SIZE,
		    "areas fit the minimum window");

#endif /* PEDMA_WINDOW_H */
