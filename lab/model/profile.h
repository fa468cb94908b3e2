/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Link profiles of the lab model: the PCIe link the eDMA's bytes cross, as
 * data, and the pure arithmetic of its rates.  "unlimited" (the default)
 * is no link at all: chains run at once, as the model always did.  The
 * others pace each direction of the link at its rate after TLP overhead
 * (pace.c applies them to the engine).  The numbers and why they are what
 * they are: docs/lab.md, "Link profiles".
 */
#ifndef PEDMA_LAB_PROFILE_H
#define PEDMA_LAB_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a transfer puts on the link */
enum link_op {
	LINK_OP_WRITE,		/* posted writes: the eDMA write channels */
	LINK_OP_READ,		/* read completions: the eDMA read channels */
};

struct link_profile {
	const char *name;
	unsigned int gts;	/* GT/s per lane; 0: unlimited (no pacing) */
	unsigned int enc_num;	/* line code: enc_num symbols ... */
	unsigned int enc_den;	/* ... per enc_den bits (130/128) */
	unsigned int lanes;
	unsigned int mps;	/* Max_Payload_Size, bytes */
	unsigned int mrrs;	/* Max_Read_Request_Size, bytes */
	unsigned int wr_tlp_ovh;	/* wire bytes per write TLP beside payload */
	unsigned int cpl_tlp_ovh;	/* wire bytes per completion beside payload */
	unsigned int fetch_ns;	/* per LL element the engine fetches */
	unsigned int wr_lat_ns;	/* posted write: last byte sent to landed */
	unsigned int rd_rtt_ns;	/* read request sent to its first completion in */
};

#define LINK_MPS_DEFAULT	256
#define LINK_MRRS_DEFAULT	512
/* MPS and MRRS: powers of two in this range, as PCIe encodes them */
#define LINK_SIZE_MIN		128
#define LINK_SIZE_MAX		4096

/* Built-in profiles, in the order --help lists them */
unsigned int link_profile_count(void);
const struct link_profile *link_profile_at(unsigned int i);

/* A copy of the built-in profile called name; -ENOENT if there is none */
int link_profile_get(const char *name, struct link_profile *out);

/* Set MPS or MRRS (a power of two, 128..4096); -EINVAL otherwise */
int link_profile_set_mps(struct link_profile *p, unsigned int mps);
int link_profile_set_mrrs(struct link_profile *p, unsigned int mrrs);

static inline bool link_profile_unlimited(const struct link_profile *p)
{
	return !p->gts;
}

/* Payload bytes per TLP of op: MPS for writes, min(MPS, MRRS) for reads */
unsigned int link_tlp_payload(const struct link_profile *p, enum link_op op);

/* Wire bytes per TLP of op beside the payload */
unsigned int link_tlp_ovh(const struct link_profile *p, enum link_op op);

/* Bytes per second one direction of the link carries, overhead and all */
double link_raw_rate(const struct link_profile *p);

/*
 * The profile's limit for op in payload bytes per second: the raw rate
 * times payload / (payload + overhead) of full TLPs.  0 when unlimited.
 */
double link_limit_rate(const struct link_profile *p, enum link_op op);

/* Wire bytes of a transfer of len payload bytes: its TLPs in full */
uint64_t link_wire_bytes(const struct link_profile *p, enum link_op op,
			 uint64_t len);

/*
 * Nanoseconds one direction of the link is busy with a transfer of len
 * payload bytes (rounded up); 0 when unlimited.
 */
uint64_t link_xfer_ns(const struct link_profile *p, enum link_op op,
		      uint64_t len);

/* One line for the log: the profile, its parameters and its limits */
void link_profile_describe(const struct link_profile *p, char *buf,
			   size_t len);

#endif /* PEDMA_LAB_PROFILE_H */
