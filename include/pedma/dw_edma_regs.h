/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * DesignWare eDMA (embedded DMA of the DesignWare PCIe controller), version
 * 0, unrolled register map, and its linked-list element format: hardware
 * facts, independent of pedma's own protocol (pedma_window.h).  Offsets are
 * from the eDMA register block.  All multi-byte fields are little endian.
 *
 * Used by the kernel driver, the lab's eDMA model (which implements them)
 * and the tests.  Only formats: no logic, no pointers.
 *
 * Register facts: Linux drivers/dma/dw-edma/dw-edma-v0-regs.h and
 * dw-edma-v0-core.c (unrolled map), the DesignWare databook field names.
 */
#ifndef PEDMA_DW_EDMA_REGS_H
#define PEDMA_DW_EDMA_REGS_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/build_bug.h>
#endif

#ifndef PEDMA_STATIC_ASSERT
#ifdef __KERNEL__
#define PEDMA_STATIC_ASSERT(e, msg)	static_assert(e, msg)
#else
#define PEDMA_STATIC_ASSERT(e, msg)	_Static_assert(e, msg)
#endif
#endif

/* ------------------------------------------------------------------------ */
/* DesignWare eDMA v0, unrolled register map (offsets from the eDMA block)  */
/* ------------------------------------------------------------------------ */

#define EDMA_V0_MAX_WR_CH		8
#define EDMA_V0_MAX_RD_CH		8

#define EDMA_V0_CTRL_DATA_ARB_PRIOR	0x000
#define EDMA_V0_CTRL			0x008
#define   EDMA_V0_CTRL_WR_CH_CNT_SHIFT	0	/* bits [3:0] */
#define   EDMA_V0_CTRL_RD_CH_CNT_SHIFT	16	/* bits [19:16] */
#define   EDMA_V0_CTRL_CH_CNT_MASK	0xfu
#define EDMA_V0_WR_ENGINE_EN		0x00c
#define EDMA_V0_WR_DOORBELL		0x010
#define EDMA_V0_RD_ENGINE_EN		0x02c
#define EDMA_V0_RD_DOORBELL		0x030
#define   EDMA_V0_ENGINE_EN		0x1u	/* bit 0 */
#define   EDMA_V0_DOORBELL_CH_MASK	0x7u	/* bits [2:0]: channel */
#define   EDMA_V0_DOORBELL_STOP		0x80000000u	/* bit 31 */

/* Write (endpoint -> PCIe) interrupt block */
#define EDMA_V0_WR_INT_STATUS		0x04c
#define EDMA_V0_WR_INT_MASK		0x054
#define EDMA_V0_WR_INT_CLEAR		0x058	/* write 1 to clear */
#define EDMA_V0_WR_ERR_STATUS		0x05c
#define EDMA_V0_WR_DONE_IMWR_LO		0x060
#define EDMA_V0_WR_DONE_IMWR_HI		0x064
#define EDMA_V0_WR_ABORT_IMWR_LO	0x068
#define EDMA_V0_WR_ABORT_IMWR_HI	0x06c
#define EDMA_V0_WR_CH01_IMWR_DATA	0x070	/* ch0 [15:0], ch1 [31:16] */
#define EDMA_V0_WR_CH23_IMWR_DATA	0x074
#define EDMA_V0_WR_CH45_IMWR_DATA	0x078
#define EDMA_V0_WR_CH67_IMWR_DATA	0x07c
#define EDMA_V0_WR_LL_ERR_EN		0x090

/* Read (PCIe -> endpoint) interrupt block */
#define EDMA_V0_RD_INT_STATUS		0x0a0
#define EDMA_V0_RD_INT_MASK		0x0a8
#define EDMA_V0_RD_INT_CLEAR		0x0ac	/* write 1 to clear */
#define EDMA_V0_RD_ERR_STATUS_LO	0x0b4
#define EDMA_V0_RD_ERR_STATUS_HI	0x0b8
#define EDMA_V0_RD_LL_ERR_EN		0x0c4
#define EDMA_V0_RD_DONE_IMWR_LO		0x0cc
#define EDMA_V0_RD_DONE_IMWR_HI		0x0d0
#define EDMA_V0_RD_ABORT_IMWR_LO	0x0d4
#define EDMA_V0_RD_ABORT_IMWR_HI	0x0d8
#define EDMA_V0_RD_CH01_IMWR_DATA	0x0dc
#define EDMA_V0_RD_CH23_IMWR_DATA	0x0e0
#define EDMA_V0_RD_CH45_IMWR_DATA	0x0e4
#define EDMA_V0_RD_CH67_IMWR_DATA	0x0e8

/* int_status / int_mask / int_clear: done in [7:0], abort in [23:16] */
#define EDMA_V0_INT_DONE(ch)		(1u << (ch))
#define EDMA_V0_INT_ABORT(ch)		(1u << (16 + (ch)))
#define EDMA_V0_INT_DONE_MASK		0x000000ffu
#define EDMA_V0_INT_ABORT_MASK		0x00ff0000u

/*
 * Error status.  wr_err_status: application read error (source fetch
 * failed) in [7:0], linked-list element fetch error in [23:16].
 * rd_err_status low word: application write error (destination write
 * failed) in [7:0], linked-list element fetch error in [23:16]; high word:
 * unsupported request in [7:0], completer abort in [23:16] (the model uses
 * these for a PCIe-side address that is not backed by host memory).
 */
#define EDMA_V0_ERR_APP(ch)		(1u << (ch))
#define EDMA_V0_ERR_LL_FETCH(ch)	(1u << (16 + (ch)))
#define EDMA_V0_RD_ERR_HI_UR(ch)	(1u << (ch))
#define EDMA_V0_RD_ERR_HI_CA(ch)	(1u << (16 + (ch)))

/* Per-channel register sets, unrolled layout */
#define EDMA_V0_CH_BASE			0x200
#define EDMA_V0_CH_STRIDE		0x200
#define EDMA_V0_RD_CH_OFFSET		0x100
#define EDMA_V0_WR_CH(n)		(EDMA_V0_CH_BASE + (n) * EDMA_V0_CH_STRIDE)
#define EDMA_V0_RD_CH(n)		(EDMA_V0_WR_CH(n) + EDMA_V0_RD_CH_OFFSET)

#define EDMA_V0_CH_CTRL1		0x00
#define EDMA_V0_CH_CTRL2		0x04
#define EDMA_V0_CH_XFER_SIZE		0x08
#define EDMA_V0_CH_SAR_LO		0x0c
#define EDMA_V0_CH_SAR_HI		0x10
#define EDMA_V0_CH_DAR_LO		0x14
#define EDMA_V0_CH_DAR_HI		0x18
#define EDMA_V0_CH_LLP_LO		0x1c
#define EDMA_V0_CH_LLP_HI		0x20

/* Size of the whole block as the driver and the model see it */
#define EDMA_V0_REGS_SIZE		0x2000

/* Control bits: shared by LL elements and ch_control1 */
#define EDMA_V0_CB			(1u << 0)	/* cycle bit */
#define EDMA_V0_TCB			(1u << 1)	/* toggle cycle bit */
#define EDMA_V0_LLP			(1u << 2)	/* link element */
#define EDMA_V0_LIE			(1u << 3)	/* local interrupt enable */
#define EDMA_V0_RIE			(1u << 4)	/* remote interrupt enable */
#define EDMA_V0_CH_STATUS_SHIFT		5		/* ctrl1 [6:5] */
#define EDMA_V0_CH_STATUS_MASK		(3u << 5)
#define   EDMA_V0_CH_STATUS_IDLE	0
#define   EDMA_V0_CH_STATUS_RUNNING	1
#define   EDMA_V0_CH_STATUS_HALTED	2
#define   EDMA_V0_CH_STATUS_STOPPED	3
#define EDMA_V0_CCS			(1u << 8)	/* consumer cycle state */
#define EDMA_V0_LLE			(1u << 9)	/* linked-list enable */

/*
 * Linked-list elements, 24 bytes each.  A data element moves
 * transfer_size bytes from sar to dar.  A link element (EDMA_V0_LLP set)
 * jumps to llp; with EDMA_V0_TCB it also toggles the channel's CCS.  The
 * engine runs elements while their CB equals its CCS and stops at the
 * first element whose CB differs.  For a write channel sar is an
 * endpoint-local address and dar a PCIe address; for a read channel the
 * reverse.  LL elements are always fetched from the endpoint-local side.
 */
struct edma_v0_lli {
	__le32 control;
	__le32 transfer_size;
	__le64 sar;
	__le64 dar;
};

struct edma_v0_llp {
	__le32 control;
	__le32 reserved;
	__le64 llp;
	__le64 unused;		/* pads the link element to the 24-byte slot */
};

#define EDMA_V0_LL_ELEM_SIZE		24

PEDMA_STATIC_ASSERT(sizeof(struct edma_v0_lli) == EDMA_V0_LL_ELEM_SIZE, "lli size");
PEDMA_STATIC_ASSERT(sizeof(struct edma_v0_llp) == EDMA_V0_LL_ELEM_SIZE, "llp slot size");
PEDMA_STATIC_ASSERT(EDMA_V0_RD_CH(EDMA_V0_MAX_RD_CH - 1) + 0x24 <= EDMA_V0_REGS_SIZE,
		    "channel registers fit the block");

#endif /* PEDMA_DW_EDMA_REGS_H */
