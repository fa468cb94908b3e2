#!/bin/bash
# libibverbs' ibv_rc_pingpong and ibv_srq_pingpong between the guests over
# $PEDMA_DEV (default pedma0): the defaults (4096 B, 1000 iterations; SRQ:
# 16 QPs), -s 4096 -n 500 and -s 1048576 -n 20, each polling and with -e
# (completion events), all with -c (the receiver checks the data), each with
# the server on the host and the client on the endpoint, then the other way
# round.  Checks exit statuses, the "bytes in ... seconds" / "iters in ...
# seconds" summaries on both sides and dmesg after every run.
# t-perftest-lib.sh has the machinery (and how to run it against rdma_rxe).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

TMO=180

pt_setup pingpong
common=(-d "$PT_DEV" -c)
[ -z "$PT_GID" ] || common+=(-g "$PT_GID")
for tool in ibv_rc_pingpong ibv_srq_pingpong; do
	for sz in default 4096:500 1048576:20; do
		for ev in "" -e; do
			for srv in host ep; do
				if [ "$sz" = default ]; then
					args=()
					size=4096 iters=1000
				else
					size=${sz%%:*} iters=${sz#*:}
					args=(-s "$size" -n "$iters")
				fi
				# Both print size * iters * 2 bytes (each way).
				PP_ITERS=$iters
				PP_BYTES=$((size * iters * 2))
				pt_pair "$srv" pt_pingpong_check "$TMO" "$tool" "${common[@]}" "${args[@]}" $ev
			done
		done
	done
done
pt_summary
