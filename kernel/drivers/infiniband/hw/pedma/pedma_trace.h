/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pedma tracepoints (trace system "pedma"; docs/tracing.md): the requester
 * (a work request starts, is cut into eDMA chains, completes), the
 * responder (a completion record of the peer is handled), the eDMA chains
 * and the link.  Defined in pedma_trace.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pedma

#if !defined(PEDMA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PEDMA_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "pedma.h"

#define PEDMA_TRACE_ROLE(r)	((r) == PEDMA_ROLE_HOST ? "host" : "ep")
#define PEDMA_TRACE_WHY		32

TRACE_EVENT(pedma_wr_start,
	TP_PROTO(const struct pedma_qp *qp, const struct pedma_swqe *w),
	TP_ARGS(qp, w),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(u32, qpn)
		__field(u32, dst_qpn)
		__field(u64, wr_id)
		__field(u8, opcode)
		__field(u8, num_sge)
		__field(u64, length)
	),
	TP_fast_assign(
		__entry->role = qp->dev->be->role;
		__entry->qpn = qp->qpn;
		__entry->dst_qpn = qp->ud ? w->ud_qpn : qp->attr.dest_qp_num;
		__entry->wr_id = w->wr_id;
		__entry->opcode = w->opcode;
		__entry->num_sge = w->num_sge;
		__entry->length = w->length;
	),
	TP_printk("%s qp %u -> %u wr_id %#llx op %u sge %u len %llu",
		  PEDMA_TRACE_ROLE(__entry->role), __entry->qpn,
		  __entry->dst_qpn, __entry->wr_id, __entry->opcode,
		  __entry->num_sge, __entry->length)
);

TRACE_EVENT(pedma_wr_done,
	TP_PROTO(const struct pedma_qp *qp, const struct pedma_swqe *w,
		 u8 status),
	TP_ARGS(qp, w, status),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(u32, qpn)
		__field(u64, wr_id)
		__field(u8, opcode)
		__field(u8, status)
		__field(u64, length)
	),
	TP_fast_assign(
		__entry->role = qp->dev->be->role;
		__entry->qpn = qp->qpn;
		__entry->wr_id = w->wr_id;
		__entry->opcode = w->opcode;
		__entry->status = status;
		__entry->length = w->length;
	),
	TP_printk("%s qp %u wr_id %#llx op %u len %llu status %u",
		  PEDMA_TRACE_ROLE(__entry->role), __entry->qpn,
		  __entry->wr_id, __entry->opcode, __entry->length,
		  __entry->status)
);

TRACE_EVENT(pedma_chain_start,
	TP_PROTO(const struct pedma_qp *qp, int dir, u8 chan, u32 nseg,
		 u64 done),
	TP_ARGS(qp, dir, chan, nseg, done),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(u32, qpn)
		__field(u8, dir)
		__field(u8, chan)
		__field(u32, nseg)
		__field(u64, done)
	),
	TP_fast_assign(
		__entry->role = qp->dev->be->role;
		__entry->qpn = qp->qpn;
		__entry->dir = dir;
		__entry->chan = chan;
		__entry->nseg = nseg;
		__entry->done = done;
	),
	TP_printk("%s qp %u %s ch %u segs %u request bytes done %llu",
		  PEDMA_TRACE_ROLE(__entry->role), __entry->qpn,
		  __entry->dir == PEDMA_DIR_WR ? "wr" : "rd", __entry->chan,
		  __entry->nseg, __entry->done)
);

TRACE_EVENT(pedma_chain_done,
	TP_PROTO(const struct pedma_dev *dev, int dir, u32 qpn, bool aborted),
	TP_ARGS(dev, dir, qpn, aborted),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(u8, dir)
		__field(u32, qpn)
		__field(bool, aborted)
	),
	TP_fast_assign(
		__entry->role = dev->be->role;
		__entry->dir = dir;
		__entry->qpn = qpn;
		__entry->aborted = aborted;
	),
	TP_printk("%s qp %u %s %s", PEDMA_TRACE_ROLE(__entry->role),
		  __entry->qpn, __entry->dir == PEDMA_DIR_WR ? "wr" : "rd",
		  __entry->aborted ? "aborted" : "done")
);

TRACE_EVENT(pedma_recv_record,
	TP_PROTO(const struct pedma_dev *dev, const struct pedma_rec *rec),
	TP_ARGS(dev, rec),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(u32, dst_qpn)
		__field(u32, src_qpn)
		__field(u32, rq_idx)
		__field(u32, byte_len)
		__field(u8, opcode)
		__field(u8, status)
	),
	TP_fast_assign(
		__entry->role = dev->be->role;
		__entry->dst_qpn = le32_to_cpu(rec->dst_qpn);
		__entry->src_qpn = le32_to_cpu(rec->src_qpn);
		__entry->rq_idx = le32_to_cpu(rec->rq_idx);
		__entry->byte_len = le32_to_cpu(rec->byte_len);
		__entry->opcode = rec->opcode;
		__entry->status = rec->status;
	),
	TP_printk("%s qp %u <- %u rq %u op %u len %u status %u",
		  PEDMA_TRACE_ROLE(__entry->role), __entry->dst_qpn,
		  __entry->src_qpn, __entry->rq_idx, __entry->opcode,
		  __entry->byte_len, __entry->status)
);

TRACE_EVENT(pedma_link,
	TP_PROTO(const struct pedma_dev *dev, bool up, const char *why),
	TP_ARGS(dev, up, why),
	TP_STRUCT__entry(
		__field(u8, role)
		__field(bool, up)
		__array(char, why, PEDMA_TRACE_WHY)
	),
	TP_fast_assign(
		__entry->role = dev->be->role;
		__entry->up = up;
		strscpy(__entry->why, why, PEDMA_TRACE_WHY);
	),
	TP_printk("%s link %s: %s", PEDMA_TRACE_ROLE(__entry->role),
		  __entry->up ? "up" : "down", __entry->why)
);

#endif /* PEDMA_TRACE_H */

/* An out-of-tree module: define_trace.h finds us through -I$(src) */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pedma_trace
#include <trace/define_trace.h>
