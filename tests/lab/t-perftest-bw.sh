#!/bin/bash
# perftest bandwidth tools between the guests over $PEDMA_DEV (default
# pedma0): ib_write_bw, ib_read_bw, ib_send_bw with -a (2 B .. 8 MiB),
# -q 4 and --report_gbits; each plain, with -e (completion events; not
# ib_write_bw, perftest has no events for WRITE) and with -l 4 (post lists);
# each with the server on the host and the client on the endpoint, then the
# other way round.  Checks exit statuses, the results tables (every size,
# average bandwidth > 0) and dmesg after every run.  t-perftest-lib.sh has
# the machinery (and how to run it against rdma_rxe).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

ITERS=5		# per QP and size (perftest's minimum); 4 QPs: 20 per size
LIST_ITERS=8	# with -l 4: a multiple of the post list
TMO=300		# one program's limit (rdma_rxe under TCG: about 20 s)

pt_setup perftest-bw
mapfile -t common < <(pt_perftest_args)
for tool in ib_write_bw ib_read_bw ib_send_bw; do
	# The receiver of SENDs prints the table too.
	PT_TABLE_ON=client
	[ "$tool" = ib_send_bw ] && PT_TABLE_ON="server client"
	for srv in host ep; do
		args=("$tool" "${common[@]}" -a -q 4 --report_gbits)
		pt_pair "$srv" pt_perftest_table "$TMO" "${args[@]}" -n "$ITERS"
		[ "$tool" = ib_write_bw ] || pt_pair "$srv" pt_perftest_table "$TMO" "${args[@]}" -n "$ITERS" -e
		pt_pair "$srv" pt_perftest_table "$TMO" "${args[@]}" -n "$LIST_ITERS" -l 4
	done
done
pt_summary
