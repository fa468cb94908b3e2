#!/bin/bash
# perftest latency tools between the guests over $PEDMA_DEV (default
# pedma0): ib_write_lat, ib_read_lat, ib_send_lat with -a (2 B .. 8 MiB),
# each polling with the server on the host and the client on the endpoint,
# then the other way round; ib_read_lat and ib_send_lat once more with -e
# (completion events; not ib_write_lat, perftest has no events for WRITE),
# in opposite directions; ib_write_lat over UC QPs (-c UC), with uc_dropped
# unchanged (a ping-pong: both sides write).  9 runs, about 3 min: every run
# costs about 20 s under TCG, most of it perftest sampling its CPU clock at
# every size.  Checks exit statuses, the results tables (every size, average
# latency > 0) and dmesg after every run.
# (-q and -l exist only in perftest's bandwidth tools.)  t-perftest-lib.sh
# has the machinery (and how to run it against rdma_rxe).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

ITERS=10	# per size
TMO=240		# one program's limit

pt_setup perftest-lat
mapfile -t common < <(pt_perftest_args)
for tool in ib_write_lat ib_read_lat ib_send_lat; do
	# Both sides of a ping-pong (write, send) measure; a READ's target does not.
	PT_TABLE_ON="server client"
	[ "$tool" = ib_read_lat ] && PT_TABLE_ON=client
	args=("$tool" "${common[@]}" -a -n "$ITERS")
	for srv in host ep; do
		pt_pair "$srv" pt_perftest_table "$TMO" "${args[@]}"
	done
	case $tool in
	ib_read_lat) pt_pair host pt_perftest_table "$TMO" "${args[@]}" -e ;;
	ib_send_lat) pt_pair ep pt_perftest_table "$TMO" "${args[@]}" -e ;;
	esac
done
uc0=$(pt_uc_dropped)
PT_TABLE_ON="server client"
pt_pair host pt_perftest_table "$TMO" ib_write_lat "${common[@]}" -c UC -a -n "$ITERS"
pt_uc_check "$uc0"
pt_summary
