#!/bin/bash
# Guest side of bench/rdma-bench: lab/pedma-lab runs it in both guests; not
# useful on its own.  Reads $LAB_OUT/bench.conf (written by rdma-bench), then
# for each device in turn runs the perftest tools between the guests, the
# server on $BENCH_SERVER's side and the client on the other, and on the
# client side appends to $LAB_OUT/results.csv:
#   device,test,size,iters,value,unit,status
# value: BW average (Gb/s) or t_avg (usec); status: ok, or why there is no
# value.  For pedma0 in the lab the client also appends, per run, the
# hardware events the eDMA model counted on both sides over the run
# (debugfs pedma_lab/<pci>/events; docs/observability.md) to
# $LAB_OUT/events.csv:
#   device,test,size,iters,qps,doorbells,chains,ll_elems,reg_reads,reg_writes,kicks,irqs,imwr,wnd_loads
# (wnd_loads: the client's own window loads, its hw counter: on the host
# each is a read across the link in the shared window; docs/observability.md)
# each the sum of both sides divided by iters * qps (per message).  A device that does not come up or a run that fails is recorded and
# the bench goes on; after a failed size a bandwidth test skips its larger
# sizes.  The run machinery (pt_pair) is the lab tests' t-perftest-lib.sh.
set -uo pipefail
# shellcheck source=tests/lab/t-perftest-lib.sh
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

BENCH_DEVICES="pedma0 rxe0"
BENCH_SERVER=ep
BENCH_BW_TESTS="ib_write_bw ib_read_bw ib_send_bw"
BENCH_BW_SIZES="64 128 256 512 1024 2048 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304 8388608"
BENCH_BW_BYTES=$((32 << 20))	# per size: iterations = BYTES / size ...
BENCH_BW_MIN_ITERS=5		# ... but at least this (perftest's minimum is 5)
BENCH_BW_MAX_ITERS=1000		# ... and at most this
BENCH_LAT_TESTS="ib_write_lat ib_read_lat ib_send_lat"
BENCH_LAT_SIZES="2 64 4096 65536"
BENCH_LAT_ITERS=200
BENCH_TIMEOUT=120		# one program
BENCH_PERFTEST_ARGS=""		# extra options for every perftest run
BENCH_BW_QPS=1			# perftest -q for the bandwidth tests
# shellcheck source=/dev/null
[ -f "$LAB_OUT/bench.conf" ] && source "$LAB_OUT/bench.conf"

PT_MAX_TIMEOUTS=4		# per device, then its remaining runs are skipped
CSV=$LAB_OUT/results.csv
PT_LOGDIR=$LAB_OUT/logs
ROWS=/tmp/bench-rows.csv	# private to this guest
mkdir -p "$PT_LOGDIR" "$LAB_OUT/sync"
client=host
[ "$BENCH_SERVER" = host ] && client=ep
[ "$PEDMA_ROLE" = "$client" ] && echo "device,test,size,iters,value,unit,status" >"$CSV"
EVCSV=$LAB_OUT/events.csv
EVF=""
if [ "$PEDMA_ROLE" = "$client" ]; then
	echo "device,test,size,iters,qps,doorbells,chains,ll_elems,reg_reads,reg_writes,kicks,irqs,imwr,wnd_loads" >"$EVCSV"
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	for f in /sys/kernel/debug/pedma_lab/*/events; do
		[ -e "$f" ] && EVF=$f
	done
fi

# ev_sum: both sides' model counters (model_X + model_peer_X) as "X value"
# lines; the model counts a read marker at its next drain (100 ms at most);
# then this side's window loads (hw counter wnd_loads)
ev_sum() {
	sleep 0.3
	awk '$1 ~ /^model_/ { k = $1; sub(/^model_(peer_)?/, "", k); s[k] += $2 }
		END { for (k in s) print k, s[k] }' "$EVF"
	echo "wnd_loads $(cat "/sys/class/infiniband/$DEV/ports/1/hw_counters/wnd_loads" 2>/dev/null || echo 0)"
}

# ev_row TEST SIZE ITERS QPS BEFORE AFTER: one line of events.csv
ev_row() {
	EV0=$5 EV1=$6 awk -v dev="$DEV" -v t="$1" -v s="$2" -v it="$3" -v q="$4" '
		BEGIN {
			n = split(ENVIRON["EV0"], x, "\n"); for (i = 1; i <= n; i++) { split(x[i], f, " "); v0[f[1]] = f[2] }
			n = split(ENVIRON["EV1"], x, "\n"); for (i = 1; i <= n; i++) { split(x[i], f, " "); v1[f[1]] = f[2] }
			m = it * q
			printf "%s,%s,%s,%s,%s", dev, t, s, it, q
			nk = split("doorbells chains ll_elems reg_reads reg_writes kicks irqs imwr wnd_loads", k, " ")
			for (i = 1; i <= nk; i++) printf ",%.3f", (v1[k[i]] - v0[k[i]]) / m
			printf "\n"
		}'
}
lab_log "bench: devices [$BENCH_DEVICES], server on $BENCH_SERVER, client on $client"

# csv_rows TEST ITERS STATUS SIZES...: rows without a value (client only).
csv_rows() {
	local t=$1 it=$2 st=$3 s
	shift 3
	[ "$PEDMA_ROLE" = "$client" ] || return 0
	st=$(printf '%s' "$st" | tr ',\n' '; ')
	for s in "$@"; do
		echo "$DEV,$t,$s,$it,,,$st" >>"$CSV"
	done
}

# bench_table LOG SIDE: pt_perftest_table's checks; on the client side the
# table's rows for $PT_SIZES go to $ROWS as CSV (pt_pair runs this in a
# subshell; bench_run moves them to the CSV).
# shellcheck disable=SC2317  # called by pt_pair
bench_table() {
	local log=$1 side=$2 info
	info=$(pt_perftest_table "$log" "$side") || { echo "$info"; return 1; }
	if [ "$side" = client ]; then
		awk -v dev="$DEV" -v t="$BENCH_TEST" -v want=" $PT_SIZES " '
			/^ *#bytes/ { intable = 1; lat = ($0 ~ /t_avg/); next }
			intable && /^ *-----/ { intable = 0; next }
			intable && $1 ~ /^[0-9]+$/ && NF >= 4 && index(want, " " $1 " ") {
				if (lat) printf "%s,%s,%s,%s,%s,usec,", dev, t, $1, $2, $6
				else printf "%s,%s,%s,%s,%s,Gb/s,", dev, t, $1, $2, $4
				print ""
			}' "$log" >"$ROWS"
	fi
	echo "$info"
}

# bench_run TEST SIZE ITERS ARGS...: one pair of TEST -s SIZE -n ITERS ARGS;
# its row goes to the CSV with status ok if both sides passed, else with
# the reason.  Fails if either side failed.
# Once more if perftest could not calibrate its clock (a busy TCG host).
bench_run() {
	local t=$1 s=$2 it=$3 why="" mine peer try ev0="" ev1 q=1
	shift 3
	BENCH_TEST=$t PT_SIZES=$s
	case "$t" in *_bw) q=$BENCH_BW_QPS ;; esac
	for try in 1 2; do
		rm -f "$ROWS"
		[ -n "$EVF" ] && [ "$DEV" = pedma0 ] && ev0=$(ev_sum)
		# shellcheck disable=SC2086
		pt_pair "$BENCH_SERVER" bench_table "$BENCH_TIMEOUT" "$t" "${common[@]}" \
			-s "$s" -n "$it" "$@" $BENCH_PERFTEST_ARGS
		mine="" peer=""
		if [ "$PT_LAST" != PASS ]; then
			mine=$(printf '%s\n' "${PT_SUMMARY[-1]}" | sed 's/.*(server [a-z]*): //')
			mine="$PEDMA_ROLE $mine"
		fi
		[ -z "$PT_PEER_WHY" ] || peer="$PEER_ROLE $PT_PEER_WHY"
		why=${mine:-$peer}
		if [ -n "$ev0" ] && [ -z "$why" ]; then
			ev1=$(ev_sum)
			ev_row "$t" "$s" "$it" "$q" "$ev0" "$ev1" >>"$EVCSV"
		fi
		# Both sides see both reasons: they decide alike.
		case "$mine $peer" in
		*"could not calibrate"*) [ "$try" -eq 2 ] || lab_log "again: $why" ;;
		*) break ;;
		esac
	done
	if [ "$PEDMA_ROLE" = "$client" ]; then
		if [ -z "$why" ] && [ -s "$ROWS" ]; then
			sed 's/,$/,ok/' "$ROWS" >>"$CSV"
		else
			csv_rows "$t" "$it" "${why:-no results}" "$s"
		fi
	fi
	[ -z "$why" ]
}

# dev_up DEV: bring DEV up on this side (creating an rxe* device); both sides
# agree whether it is usable (port ACTIVE on both).  Prints why not.
dev_up() {
	local dev=$1 mine=ok peer
	if [ ! -e "/sys/class/infiniband/$dev" ]; then
		case "$dev" in
		rxe*)
			{ modprobe rdma_rxe && rdma link add "$dev" type rxe netdev "${LAB_NETDEV:-eth0}"; } ||
				mine="could not create $dev on $PEDMA_ROLE"
			;;
		esac
	fi
	if [ "$mine" = ok ] && ! lab_wait_port ACTIVE 60 "$dev"; then
		mine="$dev port not ACTIVE on $PEDMA_ROLE ($(lab_port_state "$dev" || echo no device))"
	fi
	echo "$mine" >"$LAB_OUT/sync/dev-$dev-$PEDMA_ROLE.state"
	lab_signal "dev-$dev-$PEDMA_ROLE"
	if ! lab_wait "dev-$dev-$PEER_ROLE" 120; then
		echo "the $PEER_ROLE side never set up $dev"
		return 1
	fi
	peer=$(cat "$LAB_OUT/sync/dev-$dev-$PEER_ROLE.state" 2>/dev/null || echo "?")
	[ "$mine" = ok ] || { echo "$mine"; return 1; }
	[ "$peer" = ok ] || { echo "$peer"; return 1; }
}

for DEV in $BENCH_DEVICES; do
	lab_log "===== $DEV ====="
	PT_DEV=$DEV PT_ABORT=abort-$DEV PT_TIMEOUTS=0
	if ! why=$(dev_up "$DEV"); then
		lab_log "$DEV: $why: its tests are recorded as failed"
		for t in $BENCH_BW_TESTS; do
			# shellcheck disable=SC2086
			csv_rows "$t" "" "$why" $BENCH_BW_SIZES
		done
		for t in $BENCH_LAT_TESTS; do
			# shellcheck disable=SC2086
			csv_rows "$t" "$BENCH_LAT_ITERS" "$why" $BENCH_LAT_SIZES
		done
		continue
	fi
	PT_LINK=$(cat "/sys/class/infiniband/$DEV/ports/1/link_layer" 2>/dev/null || echo unknown)
	PT_GID=${PEDMA_GID:-}
	[ -n "$PT_GID" ] || [ "$PT_LINK" != Ethernet ] || PT_GID=$(pt_ipv4_gid "$DEV")
	mapfile -t common < <(pt_perftest_args)
	lab_log "$DEV: link layer $PT_LINK, GID index ${PT_GID:-none (LID)}"

	PT_TABLE_ON=client
	for t in $BENCH_BW_TESTS; do
		failed=""
		for s in $BENCH_BW_SIZES; do
			it=$((BENCH_BW_BYTES / s))
			[ "$it" -ge "$BENCH_BW_MIN_ITERS" ] || it=$BENCH_BW_MIN_ITERS
			[ "$it" -le "$BENCH_BW_MAX_ITERS" ] || it=$BENCH_BW_MAX_ITERS
			if [ -n "$failed" ]; then
				csv_rows "$t" "$it" "skipped: failed at $failed B" "$s"
				continue
			fi
			bench_run "$t" "$s" "$it" --report_gbits -q "$BENCH_BW_QPS" || failed=$s
		done
	done
	for t in $BENCH_LAT_TESTS; do
		for s in $BENCH_LAT_SIZES; do
			bench_run "$t" "$s" "$BENCH_LAT_ITERS" || true
		done
	done
done

echo
echo "===== $PEDMA_ROLE: bench runs (${SECONDS}s) ====="
printf '  %s\n' "${PT_SUMMARY[@]}"
# Neither side powers off while the other still runs.
lab_signal "$PEDMA_ROLE-finished"
lab_wait "$PEER_ROLE-finished" 300 || lab_log "the $PEER_ROLE side never finished"
exit 0
