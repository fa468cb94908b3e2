#!/bin/bash
# perftest bandwidth tools between the guests over $PEDMA_DEV (default
# pedma0): ib_write_bw, ib_read_bw, ib_send_bw, all with -a (2 B .. 8 MiB),
# -q 4 and --report_gbits: each polling with single posts, with the server
# on the host and the client on the endpoint, then the other way round; each
# once with -e (completion events; not ib_write_bw: perftest has no events
# for WRITE) and once with -l 5 (post lists of 5 WRs), the two variants in
# opposite directions; then ib_send_bw and ib_write_bw over UC QPs (-c UC),
# one each way, with the device's uc_dropped counter unchanged (nothing may
# be dropped there): 13 runs, about 5 min over pedma0 on 2-vCPU guests.
# A variant runs in one direction only because every run costs about 20 s
# under TCG whatever it moves: perftest fills its whole buffer (2 x 8 MiB per
# QP with -a) with rand() at every start, and samples its CPU clock at every
# size.  Checks exit statuses, the results tables (every size,
# average bandwidth > 0) and dmesg after every run.  t-perftest-lib.sh has
# the machinery (and how to run it against rdma_rxe).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

ITERS=5		# per QP and size: perftest's minimum, 20 WRs per size with 4 QPs
LIST=5		# -l: the iterations must be a multiple of it
TMO=240		# one program's limit (pedma0: about 12 s; rdma_rxe: 30-40 s)

pt_setup perftest-bw
mapfile -t common < <(pt_perftest_args)
for tool in ib_write_bw ib_read_bw ib_send_bw; do
	# The receiver of SENDs prints the table too.
	PT_TABLE_ON=client
	[ "$tool" = ib_send_bw ] && PT_TABLE_ON="server client"
	args=("$tool" "${common[@]}" -a -q 4 --report_gbits -n "$ITERS")
	for srv in host ep; do
		pt_pair "$srv" pt_perftest_table "$TMO" "${args[@]}"
	done
	[ "$tool" = ib_write_bw ] || pt_pair host pt_perftest_table "$TMO" "${args[@]}" -e
	pt_pair ep pt_perftest_table "$TMO" "${args[@]}" -l "$LIST"
done
# UC (unreliable connected): the same data path without acknowledgements
uc0=$(pt_uc_dropped)
for pair in "ib_send_bw host" "ib_write_bw ep"; do
	read -r tool srv <<<"$pair"
	PT_TABLE_ON=client
	[ "$tool" = ib_send_bw ] && PT_TABLE_ON="server client"
	pt_pair "$srv" pt_perftest_table "$TMO" "$tool" "${common[@]}" -c UC -a -q 4 \
		--report_gbits -n "$ITERS"
done
pt_uc_check "$uc0"
pt_summary
