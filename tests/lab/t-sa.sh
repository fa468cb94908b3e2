#!/bin/bash
# The embedded SA (kernel pedma_sa.c), as SA clients see it: on both sides
# tests/mad/pedma_sa_test talks to the SA through ib_umad (the host to its
# own QP1 by loopback, the endpoint across the link): ClassPortInfo,
# PathRecord Get/GetTable with exact records, MCMemberRecord join, get,
# conflicts and leave, malformed requests with their statuses, then one
# group joined and left by both sides.  Then infiniband-diags' saquery
# (libibumad, kernel RMPP) lists the paths.
set -euo pipefail
# shellcheck source=tests/lab/common.sh
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=pedma0
SATEST=$PEDMA_BUILD/tests/mad/pedma_sa_test
[ -x "$SATEST" ] || fail "$SATEST not built"

lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"
modprobe ib_umad || fail "modprobe ib_umad"

# Each side needs the other's node GUID to know the exact records.
cat "/sys/class/infiniband/$DEV/node_guid" >"$LAB_OUT/sa-guid-$PEDMA_ROLE"
lab_signal "sa-guid-$PEDMA_ROLE"
lab_wait "sa-guid-$PEER_ROLE" 60 || fail "peer never published its GUID"
peer_guid=$(cat "$LAB_OUT/sa-guid-$PEER_ROLE")
lab_log "peer GUID $peer_guid"

mkdir -p "$LAB_OUT/sa-sync"
rc=0
"$SATEST" -d "$DEV" --peer-guid "$peer_guid" --sync "$LAB_OUT/sa-sync" \
	>satest.out 2>&1 || rc=$?
cat satest.out
[ "$rc" -eq 0 ] || fail "pedma_sa_test exited with $rc"
grep -q "^PASS two-sided" satest.out || fail "the two-sided case did not run"

# saquery: a PathRecord GetTable through libibumad; the kernel reassembles
# the RMPP response and ACKs it to the SA.  The requester's two paths.
if command -v saquery >/dev/null; then
	self_lid=$(($(cat "/sys/class/infiniband/$DEV/ports/1/lid")))
	out=$(saquery -C "$DEV" -P 1 -p 2>&1) || { echo "$out"; fail "saquery -p failed"; }
	echo "$out"
	n=$(grep -c "PathRecord dump" <<<"$out") || true
	[ "$n" -eq 2 ] || fail "saquery -p listed $n paths, expected 2"
	slids=$(sed -n 's/^[[:space:]]*slid\.*[[:space:]]*//p' <<<"$out")
	dlids=$(sed -n 's/^[[:space:]]*dlid\.*[[:space:]]*//p' <<<"$out")
	for l in $slids; do
		[ $((l)) -eq "$self_lid" ] || fail "saquery: slid $l, expected $self_lid"
	done
	[ "$(for l in $dlids; do echo $((l)); done | sort -n | tr '\n' ' ')" = "1 2 " ] ||
		fail "saquery: dlids '$dlids', expected 1 and 2"
	out=$(saquery -C "$DEV" -P 1 -c 2>&1) || { echo "$out"; fail "saquery -c failed"; }
	echo "$out"
else
	lab_log "saquery not installed: skipped"
fi
finish
