// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Link profiles: the numbers and the arithmetic.
 *
 * Rates.  Gen3 runs 8 GT/s per lane, Gen4 16 GT/s, both with the 128b/130b
 * line code: a lane carries gts * 10^9 * 128 / 130 bits, gts * 10^9 * 16 /
 * 130 bytes, per second in each direction.
 *
 * TLP overhead (Gen3 and Gen4 framing): a TLP on the wire is a 4-byte STP
 * token (it carries the length and the sequence number), the header, the
 * payload and a 4-byte LCRC; no ECRC.
 *   memory write, 64-bit address (4 DW header): 4 + 16 + 4 = 24 bytes
 *   completion with data (3 DW header):         4 + 12 + 4 = 20 bytes
 * plus 2 bytes per TLP for what else shares the direction: ACK and UpdateFC
 * DLLPs are 8 bytes on the wire (2-byte SDP token + 6) and come about one
 * per four TLPs; SKP ordered sets take a fraction of a percent.  So 26 bytes
 * per write TLP and 22 per completion.  A write of N bytes goes out in
 * ceil(N / MPS) TLPs; a read of N bytes comes back in completions of
 * min(MPS, MRRS) bytes (one request of up to MRRS bytes, answered by
 * completions no larger than MPS).  Address alignment (TLPs never cross a
 * 4 KiB boundary, a completer may split at its 64-byte read completion
 * boundary) and the read requests' own upstream traffic are not modelled.
 *
 * Times, the same in every profile, for want of board measurements:
 *   fetch 150 ns    an LL element (24 bytes) read by the engine from
 *                   endpoint-local memory: one local memory read (assumed)
 *   write 300 ns    a posted write from the endpoint to landed in host
 *                   memory: half of the < 600 ns PIO round trip Dolphin
 *                   quotes for its PCIe NTB adapters
 *   read  700 ns    a read request out to its first completion back: two
 *                   such trips and a DRAM access (assumed)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"

#define LINK_WR_TLP_OVH		(4 + 16 + 4 + 2)
#define LINK_CPL_TLP_OVH	(4 + 12 + 4 + 2)
#define LINK_FETCH_NS		150
#define LINK_WR_LAT_NS		300
#define LINK_RD_RTT_NS		700

#define LINK_PROFILE(n, g, l) {						\
	.name = (n), .gts = (g), .enc_num = 130, .enc_den = 128,	\
	.lanes = (l), .mps = LINK_MPS_DEFAULT,				\
	.mrrs = LINK_MRRS_DEFAULT, .wr_tlp_ovh = LINK_WR_TLP_OVH,	\
	.cpl_tlp_ovh = LINK_CPL_TLP_OVH, .fetch_ns = LINK_FETCH_NS,	\
	.wr_lat_ns = LINK_WR_LAT_NS, .rd_rtt_ns = LINK_RD_RTT_NS,	\
}

static const struct link_profile link_profiles[] = {
	{ .name = "unlimited", .mps = LINK_MPS_DEFAULT,
	  .mrrs = LINK_MRRS_DEFAULT },
	LINK_PROFILE("gen3x4", 8, 4),
	LINK_PROFILE("gen4x2", 16, 2),
	LINK_PROFILE("gen4x4", 16, 4),
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

unsigned int link_profile_count(void)
{
	return ARRAY_SIZE(link_profiles);
}

const struct link_profile *link_profile_at(unsigned int i)
{
	return i < link_profile_count() ? &link_profiles[i] : NULL;
}

int link_profile_get(const char *name, struct link_profile *out)
{
	unsigned int i;

	for (i = 0; i < link_profile_count(); i++) {
		if (!strcmp(name, link_profiles[i].name)) {
			*out = link_profiles[i];
			return 0;
		}
	}
	return -ENOENT;
}

static bool link_size_valid(unsigned int v)
{
	return v >= LINK_SIZE_MIN && v <= LINK_SIZE_MAX && !(v & (v - 1));
}

int link_profile_set_mps(struct link_profile *p, unsigned int mps)
{
	if (!link_size_valid(mps))
		return -EINVAL;
	p->mps = mps;
	return 0;
}

int link_profile_set_mrrs(struct link_profile *p, unsigned int mrrs)
{
	if (!link_size_valid(mrrs))
		return -EINVAL;
	p->mrrs = mrrs;
	return 0;
}

unsigned int link_tlp_payload(const struct link_profile *p, enum link_op op)
{
	if (op == LINK_OP_WRITE)
		return p->mps;
	return p->mrrs < p->mps ? p->mrrs : p->mps;
}

unsigned int link_tlp_ovh(const struct link_profile *p, enum link_op op)
{
	return op == LINK_OP_WRITE ? p->wr_tlp_ovh : p->cpl_tlp_ovh;
}

double link_raw_rate(const struct link_profile *p)
{
	if (link_profile_unlimited(p))
		return 0;
	/* bits per second on the wire, less the line code, in bytes */
	return (double)p->lanes * p->gts * 1e9 * p->enc_den / p->enc_num / 8;
}

double link_limit_rate(const struct link_profile *p, enum link_op op)
{
	double pl = link_tlp_payload(p, op);

	return link_raw_rate(p) * pl / (pl + link_tlp_ovh(p, op));
}

uint64_t link_wire_bytes(const struct link_profile *p, enum link_op op,
			 uint64_t len)
{
	uint64_t pl = link_tlp_payload(p, op);

	return len + (len + pl - 1) / pl * link_tlp_ovh(p, op);
}

uint64_t link_xfer_ns(const struct link_profile *p, enum link_op op,
		      uint64_t len)
{
	uint64_t num, den;

	if (link_profile_unlimited(p))
		return 0;
	/*
	 * wire bytes * 8 bits * enc_num / enc_den symbols, at lanes * gts
	 * symbols per ns.  len < 2^35 (the engine's bound per doorbell): no
	 * overflow.
	 */
	num = link_wire_bytes(p, op, len) * 8 * p->enc_num;
	den = (uint64_t)p->enc_den * p->lanes * p->gts;
	return (num + den - 1) / den;
}

void link_profile_describe(const struct link_profile *p, char *buf,
			   size_t len)
{
	if (link_profile_unlimited(p)) {
		snprintf(buf, len,
			 "link profile %s: no pacing, chains run at once", p->name);
		return;
	}
	snprintf(buf, len,
		 "link profile %s: %u lane(s) x %u GT/s (%u/%u), MPS %u, MRRS %u: raw %.3f GB/s per direction; limits write %.3f GB/s (%.2f Gb/s), read %.3f GB/s (%.2f Gb/s); TLP overhead write %u B, completion %u B; fetch %u ns per LL element, posted write %u ns, read round trip %u ns",
		 p->name, p->lanes, p->gts, p->enc_den, p->enc_num, p->mps,
		 p->mrrs, link_raw_rate(p) / 1e9,
		 link_limit_rate(p, LINK_OP_WRITE) / 1e9,
		 link_limit_rate(p, LINK_OP_WRITE) * 8 / 1e9,
		 link_limit_rate(p, LINK_OP_READ) / 1e9,
		 link_limit_rate(p, LINK_OP_READ) * 8 / 1e9,
		 p->wr_tlp_ovh, p->cpl_tlp_ovh, p->fetch_ns, p->wr_lat_ns,
		 p->rd_rtt_ns);
}
