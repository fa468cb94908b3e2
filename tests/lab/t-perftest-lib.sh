# shellcheck shell=bash disable=SC2034  # a library: its users read PT_*
# Shared by the lab tests that run RDMA client/server program pairs between
# the two guests: t-perftest-bw.sh, t-perftest-lat.sh, t-pingpong.sh.  Not a
# test itself (sourced; not registered).
#
# The device is $PEDMA_DEV (default pedma0).  Nothing here is specific to
# pedma: any RDMA device with port 1 works, and an rxe* device that does not
# exist yet is created on the guests' virtio-net link (rdma_rxe on
# $LAB_NETDEV), so the tests can be checked against soft-RoCE between the same
# two guests: the t-*-rxe.sh wrappers, e.g.
#
#   lab/pedma-lab run --no-pedma --timeout 1200 \
#       --host tests/lab/t-perftest-bw-rxe.sh --ep tests/lab/t-perftest-bw-rxe.sh
#
# PEDMA_GID=N forces GID index N (perftest -x, pingpong -g); by default an
# InfiniBand port is addressed by LID and an Ethernet (RoCE) port by its
# IPv4-mapped GID.  PEDMA_PERFTEST_SKIP="TOOL..." does not run those tools
# (reported as SKIP, not failed): for tools known not to work on a device.
#
# Every pair runs in lockstep on both sides (the same sequence of pt_* calls
# on both): the server side starts its program, waits until it listens on
# its TCP port and signals the client side, which then connects to
# $LAB_PEER_IP.  Each side checks its own program's exit status and output and
# the kernel log.  A failure is recorded and the sequence goes on, so that
# one lab run reports every failing combination; pt_summary ends the test.

# shellcheck source=tests/lab/common.sh
source "$PEDMA_REPO/tests/lab/common.sh"

PT_DEV=${PEDMA_DEV:-pedma0}
PT_PORT_BASE=${PT_PORT_BASE:-18600}	# run N listens on PT_PORT_BASE + N
PT_MAX_TIMEOUTS=${PT_MAX_TIMEOUTS:-2}	# programs killed by their time limit before the rest is skipped
PT_ABORT=pt-abort	# the barrier that skips the rest (per device in the bench)
PT_LAST=""		# PASS, FAIL or SKIP: the outcome of the last pt_pair on this side
PT_PEER_WHY=""		# and why it failed on the other side ("" if it did not)
PT_N=0
PT_FAILED=0
PT_TIMEOUTS=0
PT_SUMMARY=()
PT_GID=""
PT_LINK=""
PT_LOGDIR=""

# pt_setup NAME: the device is there (an rxe* one is created) and its port
# ACTIVE; program outputs go to $LAB_OUT/NAME/.
pt_setup() {
	PT_LOGDIR=$LAB_OUT/$1
	mkdir -p "$PT_LOGDIR"
	if [ ! -e "/sys/class/infiniband/$PT_DEV" ]; then
		case "$PT_DEV" in
		rxe*)
			modprobe rdma_rxe || fail "modprobe rdma_rxe"
			rdma link add "$PT_DEV" type rxe netdev "${LAB_NETDEV:-eth0}" ||
				fail "rdma link add $PT_DEV type rxe netdev ${LAB_NETDEV:-eth0}"
			;;
		esac
	fi
	lab_wait_port ACTIVE 60 "$PT_DEV" ||
		fail "$PT_DEV port 1 not ACTIVE: $(lab_port_state "$PT_DEV" || echo no device)"
	PT_LINK=$(cat "/sys/class/infiniband/$PT_DEV/ports/1/link_layer" 2>/dev/null || echo unknown)
	PT_GID=${PEDMA_GID:-}
	if [ -z "$PT_GID" ] && [ "$PT_LINK" = Ethernet ]; then
		PT_GID=$(pt_ipv4_gid "$PT_DEV")
	fi
	lab_log "device $PT_DEV: port 1 $(lab_port_state "$PT_DEV"), link layer $PT_LINK," \
		"GID index ${PT_GID:-none (LID)}"
	# Both sides set up before the first pair.
	lab_signal "pt-setup-$PEDMA_ROLE"
	lab_wait "pt-setup-$PEER_ROLE" 120 || fail "the $PEER_ROLE side never set up"
}

# pt_ipv4_gid DEV: index of the IPv4-mapped (::ffff:a.b.c.d) GID of port 1, else 0.
pt_ipv4_gid() {
	local f
	for f in "/sys/class/infiniband/$1/ports/1/gids/"*; do
		case "$(cat "$f" 2>/dev/null)" in
		0000:0000:0000:0000:0000:ffff:*)
			echo "${f##*/}"
			return 0
			;;
		esac
	done
	echo 0
}

# pt_listening PORT: something listens on TCP PORT.
pt_listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# pt_dmesg_new: fail, printing them, if dmesg has bug/warning lines
# (lab_dmesg_check's) that were not there at the previous call.
PT_DMESG_SEEN=0
pt_dmesg_new() {
	local bad cnt
	bad=$(dmesg | grep -E "$LAB_DMESG_BAD") || bad=""
	cnt=0
	[ -z "$bad" ] || cnt=$(printf '%s\n' "$bad" | wc -l)
	if [ "$cnt" -gt "$PT_DMESG_SEEN" ]; then
		lab_log "kernel reported problems:" >&2
		printf '%s\n' "$bad" | tail -n +$((PT_DMESG_SEEN + 1)) >&2
		PT_DMESG_SEEN=$cnt
		return 1
	fi
	return 0
}

pt_result() {	# pt_result PASS|FAIL|SKIP TEXT
	PT_LAST=$1
	PT_SUMMARY+=("$1 $2")
	[ "$1" = PASS ] || PT_FAILED=$((PT_FAILED + 1))
}

# pt_pair SERVER_ROLE CHECK TIMEOUT CMD [ARGS...]
#   The side SERVER_ROLE runs "CMD ARGS -p PORT", the other side
#   "CMD ARGS -p PORT $LAB_PEER_IP"; each at most TIMEOUT seconds.  Then, on
#   each side, CHECK LOG SIDE (SIDE: server|client) checks the output; it
#   prints a one-line result and fails on bad output.  A server still
#   running 20 s after its client finished is killed.
pt_pair() {
	local srole=$1 check=$2 tmo=$3
	shift 3
	local n port side log pid rc=0 t0 tdone="" why="" info="" desc
	PT_N=$((PT_N + 1))
	n=$PT_N
	port=$((PT_PORT_BASE + n))
	side=client
	[ "$PEDMA_ROLE" = "$srole" ] && side=server
	desc="$* (server $srole)"
	case " ${PEDMA_PERFTEST_SKIP:-} " in
	*" ${1##*/} "*)
		lab_log "#$n skipped: $1 is in PEDMA_PERFTEST_SKIP"
		PT_SUMMARY+=("SKIP #$n $desc: in PEDMA_PERFTEST_SKIP")
		PT_LAST=SKIP
		return 0
		;;
	esac
	if [ -e "$LAB_OUT/sync/$PT_ABORT" ]; then
		pt_result SKIP "#$n $desc: skipped after $PT_MAX_TIMEOUTS timeouts"
		return 0
	fi
	log=$PT_LOGDIR/$(printf '%02d' "$n")-${1##*/}-$side-$PEDMA_ROLE.log
	lab_log "#$n $side: $* -p $port$([ "$side" = client ] && echo " $LAB_PEER_IP")"
	t0=$SECONDS
	if [ "$side" = server ]; then
		timeout -k 5 "$tmo" "$@" -p "$port" >"$log" 2>&1 &
		pid=$!
		while ! pt_listening "$port"; do
			kill -0 "$pid" 2>/dev/null || break
			if [ $((SECONDS - t0)) -ge 60 ]; then
				why="not listening on TCP port $port after 60 s"
				break
			fi
			sleep 0.1
		done
		lab_signal "pt$n-listen"
		while kill -0 "$pid" 2>/dev/null; do
			if [ -z "$tdone" ] && [ -e "$LAB_OUT/sync/pt$n-done-$PEER_ROLE" ]; then
				tdone=$SECONDS
			fi
			if [ -n "$tdone" ] && [ $((SECONDS - tdone)) -ge 20 ]; then
				why="${why:+$why; }still running 20 s after the client ended: killed"
				kill "$pid" 2>/dev/null || true
				sleep 5
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
		wait "$pid" || rc=$?
	else
		if lab_wait "pt$n-listen" 90; then
			timeout -k 5 "$tmo" "$@" -p "$port" "$LAB_PEER_IP" >"$log" 2>&1 || rc=$?
		else
			why="the server never started"
			rc=255
		fi
	fi
	sed 's/^/    /' "$log"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why=${why:-"timed out after ${tmo}s"}
		PT_TIMEOUTS=$((PT_TIMEOUTS + 1))
		if [ "$PT_TIMEOUTS" -ge "$PT_MAX_TIMEOUTS" ]; then
			lab_log "$PT_TIMEOUTS programs timed out: skipping the remaining runs"
			lab_signal "$PT_ABORT"
		fi
	fi
	if [ "$rc" -ne 0 ]; then
		why=${why:-"exit status $rc"}
	elif ! info=$("$check" "$log" "$side"); then
		why="bad output: $info"
	fi
	if ! pt_dmesg_new; then
		why="${why:+$why; }kernel reported a problem"
	fi
	if [ -n "$why" ]; then
		pt_result FAIL "#$n $side $desc: $why"
		lab_log "#$n FAIL ($side, $((SECONDS - t0)) s): $why"
		printf '%s\n' "$side: $why" >"$LAB_OUT/sync/pt$n-fail-$PEDMA_ROLE"
	else
		pt_result PASS "#$n $side $desc: ${info}"
		lab_log "#$n ok ($side, $((SECONDS - t0)) s): $info"
	fi
	lab_signal "pt$n-done-$PEDMA_ROLE"
	PT_PEER_WHY=""
	if ! lab_wait "pt$n-done-$PEER_ROLE" $((tmo + 60)); then
		PT_PEER_WHY="the $PEER_ROLE side never finished"
		pt_result FAIL "#$n: $PT_PEER_WHY"
		lab_signal "$PT_ABORT"
	elif [ -e "$LAB_OUT/sync/pt$n-fail-$PEER_ROLE" ]; then
		PT_PEER_WHY=$(cat "$LAB_OUT/sync/pt$n-fail-$PEER_ROLE")
	fi
	return 0
}

# pt_uc_dropped: the device's uc_dropped counter (UC messages its requester
# dropped), or 0 for a device without it (rxe).
pt_uc_dropped() {
	cat "/sys/class/infiniband/$PT_DEV/ports/1/hw_counters/uc_dropped" 2>/dev/null || echo 0
}

# pt_uc_check BEFORE: perftest cannot see a dropped UC WRITE: no UC message
# of ours may have been dropped since uc_dropped was BEFORE.
pt_uc_check() {
	local now
	now=$(pt_uc_dropped)
	if [ "$now" != "$1" ]; then
		pt_result FAIL "uc_dropped moved from $1 to $now during the UC runs"
		lab_log "FAIL: uc_dropped moved from $1 to $now during the UC runs"
	else
		lab_log "uc_dropped unchanged ($now) by the UC runs"
	fi
}

# pt_perftest_args: the options every perftest run gets.
pt_perftest_args() {
	printf '%s\n' -d "$PT_DEV" -F
	[ -z "$PT_GID" ] || printf '%s\n' -x "$PT_GID"
}

# The sizes of perftest -a: 2 B .. 8 MiB.
PT_ALL_SIZES="2 4 8 16 32 64 128 256 512 1024 2048 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304 8388608"

# pt_perftest_table LOG SIDE: check the results table of a perftest run:
# one row for every size of $PT_SIZES (default: all of -a); each row's
# average bandwidth (bw tests) or average latency (lat tests) a number > 0
# and no nan/inf up to that column (t_stdev may be -nan: perftest's float
# variance goes negative with a large outlier).  $PT_TABLE_ON is the sides
# that must print the whole table (client, or "server client"); on the other
# side the rows there are are checked (ib_write_bw's server prints only the
# last size).  PT_NOCAL_OK=1: a run none of whose sizes perftest could time
# (its CPU clock not calibrated, below) still passes, for callers that use
# perftest to move data and check what moved by other means (lab-counters).
# Prints a short summary.
pt_perftest_table() {
	local log=$1 side=$2 out
	local all=0
	case " ${PT_TABLE_ON:-client} " in *" $side "*) all=1 ;; esac
	# perftest converts cycles to time with a CPU clock rate it samples per
	# report; when the samples do not fit a line (r^2 < 0.9: a busy TCG
	# host) the rate is 0 and that size's times are inf, its bandwidth 0.
	# Such rows are counted apart, not as failures of the device.
	local calib c peer_log
	calib=$(grep -c 'Correlation coefficient r^2' "$log") || calib=0
	# A server not bound to print the table (ib_write_bw's, ib_read_bw's)
	# prints the client's numbers: the client's calibration counts.
	peer_log=${log%-server-"$PEDMA_ROLE".log}-client-$PEER_ROLE.log
	if [ "$side" = server ] && [ "$all" -eq 0 ] && [ "$peer_log" != "$log" ] &&
		[ -e "$peer_log" ]; then
		c=$(grep -c 'Correlation coefficient r^2' "$peer_log") || c=0
		calib=$((calib + c))
	fi
	out=$(awk -v want="${PT_SIZES:-$PT_ALL_SIZES}" -v all="$all" -v calib="$calib" \
		-v nocal_ok="${PT_NOCAL_OK:-0}" '
		/^ *#bytes/ {
			intable = 1; ntab++
			kind = ($0 ~ /t_avg/) ? "lat" : ($0 ~ /BW average/) ? "bw" : "?"
			next
		}
		intable && /^ *-----/ { intable = 0; next }
		intable && $1 ~ /^[0-9]+$/ && NF >= 4 {
			rows++
			col = (kind == "lat") ? 6 : 4
			v = $col
			seen[$1] = v
			# perftest prints t_stdev as -nan when float rounding makes
			# the variance negative; the columns up to the average count.
			nanf = 0
			for (f = 1; f <= col; f++) if (tolower($f) ~ /nan|inf/) nanf = 1
			why = ""
			if (nanf)
				why = " [" $1 " B: nan/inf in row]"
			else if (v !~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ || v + 0 <= 0)
				why = " [" $1 " B: " (kind == "lat" ? "t_avg" : "BW average") "=" v "]"
			if (why != "" && calib > 0 && (kind == "lat" ? tolower(v) ~ /inf/ : v + 0 == 0)) {
				nocal++; nocals = nocals " " $1
				why = ""
			} else if (why != "")
				bad = bad why
			else {
				last = $1; lastv = v
			}
		}
		END {
			if (!ntab) { print "NOTABLE"; exit }
			if (kind == "?") { print "FAIL unknown results table header"; exit }
			n = split(want, w, " ")
			for (i = 1; i <= n; i++)
				if (!(w[i] in seen)) missing = missing " " w[i]
			if (missing != "" && all) bad = bad " [sizes missing:" missing "]"
			if (nocal && nocal == rows && all && !nocal_ok) bad = bad " [no size measured: perftest could not calibrate its CPU clock]"
			if (bad != "") { print "FAIL" bad; exit }
			unit = (kind == "lat") ? "usec t_avg" : "BW average"
			if (last != "")
				printf "OK %d sizes, %s %s at %s B", rows, lastv, unit, last
			else
				printf "OK %d sizes", rows
			if (kind == "bw" && ("65536" in seen)) printf ", %s at 65536 B", seen["65536"]
			if (kind == "lat" && ("2" in seen)) printf ", %s at 2 B", seen["2"]
			if (nocal) printf "; not measured (perftest could not calibrate its CPU clock):%s B", nocals
			printf "\n"
		}' "$log")
	case "$out" in
	OK*)
		echo "${out#OK }"
		;;
	NOTABLE)
		if [ "$all" -eq 1 ]; then
			echo "no results table"
			return 1
		fi
		echo "no results table (none expected on this side)"
		;;
	*)
		echo "${out#FAIL }"
		return 1
		;;
	esac
}

# pt_pingpong_check LOG SIDE: the summary lines of ibv_*_pingpong:
# "B bytes in T seconds = X Mbit/sec" with B = $PP_BYTES, and
# "I iters in T seconds = U usec/iter" with I = $PP_ITERS; X and U finite
# and > 0; no "invalid data" (-c) or error lines.
pt_pingpong_check() {
	local log=$1 out
	out=$(awk -v wb="$PP_BYTES" -v wi="$PP_ITERS" '
		/ bytes in .* seconds = .* Mbit\/sec/ { nb++; b = $1; mbit = $(NF - 1) }
		/ iters in .* seconds = .* usec\/iter/ { ni++; it = $1; usec = $(NF - 1) }
		/invalid data|[Ff]ailed|[Ee]rror|[Cc]ouldn.t/ { err = err " [" $0 "]" }
		function num(v) { return v ~ /^[0-9]*\.?[0-9]+$/ && v + 0 > 0 }
		END {
			if (nb != 1 || ni != 1) { print "FAIL no bytes/iters summary lines" err; exit }
			if (err != "") { print "FAIL" err; exit }
			if (wb != "" && b != wb) { print "FAIL " b " bytes, expected " wb; exit }
			if (wi != "" && it != wi) { print "FAIL " it " iters, expected " wi; exit }
			if (!num(mbit) || !num(usec)) { print "FAIL bad numbers: " mbit " Mbit/sec, " usec " usec/iter"; exit }
			printf "OK %s bytes, %s Mbit/sec, %s usec/iter\n", b, mbit, usec
		}' "$log")
	case "$out" in
	OK*) echo "${out#OK }" ;;
	*)
		echo "${out#FAIL }"
		return 1
		;;
	esac
}

# pt_summary: print every result; fail if any failed, else finish (both sides).
pt_summary() {
	local line
	echo
	echo "===== $PEDMA_ROLE: $PT_N runs on $PT_DEV, $PT_FAILED not passed, ${SECONDS}s ====="
	for line in "${PT_SUMMARY[@]}"; do
		echo "  $line"
	done
	[ "$PT_FAILED" -eq 0 ] || {
		lab_signal "$PEDMA_ROLE-finished"
		fail "$PT_FAILED of $PT_N runs did not pass on this side"
	}
	finish
}
