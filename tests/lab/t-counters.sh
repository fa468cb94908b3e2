#!/bin/bash
# Observability of pedma0 (docs/observability.md), both sides:
#  - identity: ibv_devinfo shows the lab device's PCI vendor/part (ivshmem
#    0x1af4:0x1110), hw_ver and fw_ver;
#  - counters: "rdma statistic show link pedma0/1", the hw_counters and the
#    PMA's counters (sysfs counters/*; over QP1 by tests/mad/pedma_pma_query,
#    this port's and the peer's; perfquery)
#    before and after ib_write_bw -s 65536 -n 200 and -s 4096 -n 200 each
#    way and one ib_send_bw -l 5 (post lists: some SENDs share a chain):
#    the requester's tx_write_bytes and the responder's rx_write_bytes
#    move by at least 65536 x 200, the PMA's data counters by at least
#    that in 4-byte words, eDMA chains and interrupts move, and some 4 KiB
#    WRITEs ride in the chain of an earlier one (batched_reqs);
#  - the SMA on QP0: smpquery NodeInfo, PortInfo, NodeDescription,
#    P_KeyTable, GUIDInfo, by directed route and to our own LID; the
#    peer's NodeInfo and PortInfo by directed route and by LID; sminfo;
#  - rdma resource show qp/cq with pedma's driver attributes;
#  - the pedma tracepoints fire during the transfers (tracefs);
#  - hardware events (debugfs pedma_lab/<pci>/events, the backend's own
#    counts and the eDMA model's, include/pedma/pedma_lab.h): over the
#    transfers the model applied exactly the register writes, read markers
#    and kicks the backend sent; doorbells started chains; the channels of
#    both sides moved at least the bytes the verbs moved; no side took more
#    eDMA interrupts than the model raised.  The events per message are
#    printed.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

DEV=pedma0
SIZE=65536
ITERS=200
N=$((SIZE * ITERS))
SEND_SIZE=4096
SEND_ITERS=100
SMALL_SIZE=4096		# WRITEs that leave room in their chain (batched_reqs)
SMALL_ITERS=200
HW=/sys/class/infiniband/$DEV/ports/1/hw_counters
PMA=/sys/class/infiniband/$DEV/ports/1/counters
TR=/sys/kernel/tracing

errors=0
bad() {
	echo "FAIL($PEDMA_ROLE): $*"
	errors=$((errors + 1))
}

pt_setup counters

# --- identity ---------------------------------------------------------------
info=$(ibv_devinfo -v -d "$DEV") || fail "ibv_devinfo -d $DEV"
grep -E 'vendor_id|vendor_part_id|hw_ver|fw_ver|sys_image_guid|node_guid' <<<"$info"
field() { awk -v k="$1:" '$1 == k && !d { print $2; d = 1 }' <<<"$info"; }
[ "$(field vendor_id)" = 0x1af4 ] || bad "vendor_id '$(field vendor_id)', expected 0x1af4 (ivshmem)"
[ "$(field vendor_part_id)" = 4368 ] || bad "vendor_part_id '$(field vendor_part_id)', expected 4368 (0x1110)"
# the lab's PCI function (ivshmem) the device sits on
rev=""
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ]; then
		rev=$(cat "$d/revision")
	fi
done
[ -n "$rev" ] || fail "no ivshmem PCI function"
hw=$(field hw_ver)
if [ -z "$hw" ] || [ $((hw)) -ne $((rev)) ]; then
	bad "hw_ver '$hw', expected the PCI revision $rev"
fi
case "$(field fw_ver)" in
[1-9]*.*.*) ;;
*) bad "fw_ver '$(field fw_ver)' is not a version" ;;
esac
[ "$(cat /sys/class/infiniband/$DEV/fw_ver)" = "$(field fw_ver)" ] ||
	bad "sysfs fw_ver differs from ibv_devinfo's"

# --- the counters are there ----------------------------------------------------
stat_line() { rdma statistic show link "$DEV/1"; }
stat_line || fail "rdma statistic show link $DEV/1"
# ctr NAME: a counter's value as "rdma statistic" prints it
ctr() {
	stat_line | tr -s ' ' '\n' | awk -v n="$1" 'p { print; p = 0; next } $0 == n { p = 1 }'
}
for c in tx_send_bytes tx_write_bytes tx_read_bytes tx_ud_bytes rx_write_bytes \
	edma_chains_started edma_chains_done edma_interrupts doorbell_interrupts \
	doorbells_rung rnr_retries err_rem_access link_down; do
	v=$(ctr "$c")
	[[ "$v" =~ ^[0-9]+$ ]] || bad "rdma statistic has no counter $c ('$v')"
done
for f in port_xmit_data port_rcv_data port_xmit_packets port_rcv_packets; do
	[ -r "$PMA/$f" ] || bad "no $PMA/$f"
done
[ -r "$HW/tx_write_bytes" ] || bad "no $HW/tx_write_bytes"
modprobe ib_umad || fail "modprobe ib_umad"
# perfquery: LID and port of the PMA to ask; -x PortCountersExtended
pq() { perfquery -C "$DEV" -P 1 "$@"; }
pqval() {	# pqval FIELD ARGS...: a field of perfquery's output
	local f=$1
	shift
	pq "$@" | awk -F'[.:]+' -v f="$f" '$1 == f && !d { print $NF; d = 1 }'
}
self_lid=$(cat /sys/class/infiniband/$DEV/ports/1/lid)
peer_lid=$((self_lid == 1 ? 2 : 1))
# The PMA over QP1 (PerfMgt class only): this port's and the peer's
PMAQ=$PEDMA_BUILD/tests/mad/pedma_pma_query
[ -x "$PMAQ" ] || fail "$PMAQ not built"
pma() { "$PMAQ" -d "$DEV" "$@"; }
pmaval() {	# pmaval LID ATTR FIELD
	pma -l "$1" "$2" | awk -v f="$3" '$1 == f && !d { print $2; d = 1 }'
}
for lid in "$self_lid" "$peer_lid"; do
	for a in cpi pc pcx; do
		out=$(pma -l "$lid" "$a" 2>&1) || bad "PMA of LID $lid: $a: $out"
		echo "LID $lid $a: $(tr '\n' ' ' <<<"$out")"
	done
	cap=$(pmaval "$lid" cpi CapabilityMask)
	[ $((cap & 0x200)) -ne 0 ] ||
		bad "PMA of LID $lid: ClassPortInfo CapabilityMask '$cap' lacks extended width (0x200)"
done
# perfquery (libibmad opens the port for the SMI class too: QP0 must exist)
out=$(pq -x 2>&1) || bad "perfquery -x (this port): $out"
echo "$out"
pq || bad "perfquery (PortCounters, this port)"
pq -x "$peer_lid" 1 || bad "perfquery -x $peer_lid 1 (the peer's PMA)"

# --- the subnet management agent (QP0) ------------------------------------------
# smpval FIELD ARGS...: a field of smpquery's output
smpval() {
	local f=$1
	shift
	smpquery -C "$DEV" -P 1 "$@" | awk -F'[.:]+' -v f="$f" '$1 == f && !d { print $NF; d = 1 }'
}
hex_eq() { [ -n "$1" ] && [ -n "$2" ] && [ $(($1)) -eq $(($2)) ]; }
guid=0x$(tr -d ':' </sys/class/infiniband/$DEV/node_guid)
# directed route of hop count 0 (answered without a send), and LID-routed
# to our own LID (a loopback on QP0)
g=$(smpval Guid -D nodeinfo 0)
hex_eq "$g" "$guid" || bad "smpquery -D nodeinfo 0: NodeGuid '$g', expected $guid"
g=$(smpval Guid nodeinfo "$self_lid")
hex_eq "$g" "$guid" || bad "smpquery nodeinfo $self_lid: NodeGuid '$g', expected $guid"
ni=$(smpquery -C "$DEV" -P 1 -D nodeinfo 0) || bad "smpquery -D nodeinfo 0"
echo "$ni"
v=$(awk -F'[.:]+' '$1 == "NumPorts" { print $NF }' <<<"$ni")
[ "$v" = 1 ] || bad "NodeInfo NumPorts '$v', expected 1"
v=$(awk -F'[.:]+' '$1 == "VendorId" { print $NF }' <<<"$ni")
hex_eq "$v" 0x1af4 || bad "NodeInfo VendorId '$v', expected 0x1af4"
pi=$(smpquery -C "$DEV" -P 1 -D portinfo 0) || bad "smpquery -D portinfo 0"
echo "$pi"
v=$(awk -F'[.:]+' '$1 == "Lid" { print $NF }' <<<"$pi")
hex_eq "$v" "$self_lid" || bad "PortInfo Lid '$v', expected $self_lid"
v=$(awk -F'[.:]+' '$1 == "SMLid" { print $NF }' <<<"$pi")
hex_eq "$v" "$(cat /sys/class/infiniband/$DEV/ports/1/sm_lid)" || bad "PortInfo SMLid '$v'"
grep -q "LinkState:.*Active" <<<"$pi" || bad "PortInfo LinkState is not Active"
v=$(smpquery -C "$DEV" -P 1 nodedesc "$self_lid") || bad "smpquery nodedesc $self_lid"
grep -qF "$(cat /sys/class/infiniband/$DEV/node_desc)" <<<"$v" ||
	bad "NodeDescription '$v' is not sysfs node_desc"
v=$(smpquery -C "$DEV" -P 1 -D pkeys 0 2>&1) || bad "smpquery -D pkeys 0: $v"
grep -qi "0xffff" <<<"$v" || bad "P_KeyTable has no 0xffff: $v"
out=$(smpquery -C "$DEV" -P 1 -D guidinfo 0 2>&1) || bad "smpquery -D guidinfo 0: $out"
grep -qi "$guid" <<<"$out" || bad "GUIDInfo lacks the port GUID $guid: $out"
# Across the link, QP0 to QP0: the peer's SMA, by directed route (one hop
# through our port 1) and LID-routed
pg=$(smpval Guid -D nodeinfo 0,1)
pg2=$(smpval Guid nodeinfo "$peer_lid")
if [ -z "$pg" ] || hex_eq "$pg" "$guid" || ! hex_eq "$pg" "$pg2"; then
	bad "the peer's NodeInfo: Guid '$pg' by directed route, '$pg2' by LID $peer_lid (ours $guid)"
fi
v=$(smpval Lid -D portinfo 0,1)
hex_eq "$v" "$peer_lid" || bad "the peer's PortInfo by directed route: Lid '$v', expected $peer_lid"
# SMInfo of the subnet manager (the host's port) from both sides
out=$(sminfo -C "$DEV" -P 1 2>&1) || bad "sminfo: $out"
echo "$out"
grep -q "state 3 SMINFO_MASTER" <<<"$out" || bad "sminfo: not a master SM: $out"

# --- rdma resource show ----------------------------------------------------------
out=$(rdma -dd resource show qp link "$DEV/1") || bad "rdma resource show qp"
echo "$out"
grep -q "sq_entries" <<<"$out" || bad "rdma resource show qp: no pedma driver attributes"
grep -q "peer_qpn" <<<"$out" || bad "rdma resource show qp: no peer_qpn"
out=$(rdma -dd resource show cq dev "$DEV") || bad "rdma resource show cq"
head -5 <<<"$out"
grep -q "entries" <<<"$out" || bad "rdma resource show cq: no pedma driver attributes"

# --- hardware events (lab backend, debugfs) --------------------------------------
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug ||
	fail "cannot mount debugfs"
EVF=
# (pedma-lab --ntb: the lab NTB device's, the same names)
for f in /sys/kernel/debug/{pedma_lab,ntb_hw_pedma_lab}/*/events; do
	[ -e "$f" ] && EVF=$f
done
[ -n "$EVF" ] || fail "no debugfs pedma_lab/*/events or ntb_hw_pedma_lab/*/events"
head -n 3 "$EVF"
# ev_quiet: the events file once two reads 200 ms apart agree (the model
# counts read markers at its next drain, within its 100 ms safety poll)
ev_quiet() {
	local a b i
	a=$(cat "$EVF")
	for ((i = 0; i < 50; i++)); do
		sleep 0.2
		b=$(cat "$EVF")
		if [ "$a" = "$b" ]; then
			printf '%s\n' "$b"
			return 0
		fi
		a=$b
	done
	bad "events never settled: $b"
	printf '%s\n' "$b"
}

# --- before -----------------------------------------------------------------------
declare -A before after cur
snap() {	# snap: the counters into cur[]
	local c
	for c in tx_write_bytes tx_write_reqs rx_write_bytes rx_write_reqs \
		tx_send_bytes rx_send_bytes rx_records edma_chains_started \
		edma_chains_done edma_interrupts batched_reqs wnd_loads \
		wnd_loads_hb; do
		cur["$c"]=$(ctr "$c")
	done
	cur["hw_tx_write_bytes"]=$(cat "$HW/tx_write_bytes")
	cur["port_xmit_data"]=$(cat "$PMA/port_xmit_data")
	cur["port_rcv_data"]=$(cat "$PMA/port_rcv_data")
	cur["pma_xmit"]=$(pmaval "$self_lid" pcx PortXmitData)
	cur["pma_rcv"]=$(pmaval "$self_lid" pcx PortRcvData)
	cur["pma_xmit32"]=$(pmaval "$self_lid" pc PortXmitData)
	cur["peer_pma_rcv"]=$(pmaval "$peer_lid" pcx PortRcvData)
	cur["pq_xmit"]=$(pqval PortXmitData -x)
	cur["pq_rcv"]=$(pqval PortRcvData -x)
	local k v
	while read -r k v; do
		cur["ev_$k"]=$v
	done < <(ev_quiet)
}
# Let the peer publish what it has moved so far (one heartbeat: 250 ms).
sleep 1
lab_signal "ctr-before-$PEDMA_ROLE"
lab_wait "ctr-before-$PEER_ROLE" 120 || fail "peer never got ready"
snap
for k in "${!cur[@]}"; do before["$k"]=${cur["$k"]}; done
declare -p before

if [ -d "$TR/events/pedma" ] || mount -t tracefs nodev "$TR" 2>/dev/null; then
	:
fi
[ -d "$TR/events/pedma" ] || fail "no $TR/events/pedma"
echo 0 >"$TR/tracing_on"
: >"$TR/trace"
echo 1 >"$TR/events/pedma/enable"
echo 1 >"$TR/tracing_on"
lab_signal "ctr-traced-$PEDMA_ROLE"
lab_wait "ctr-traced-$PEER_ROLE" 60 || fail "peer never enabled tracing"

# --- the transfers ----------------------------------------------------------------
mapfile -t common < <(pt_perftest_args)
# perftest only moves the data here; what moved is checked by the counters
# below, so a run whose time perftest could not measure (its CPU clock not
# calibrated on a busy TCG host: BW 0) still counts
# shellcheck disable=SC2034  # read by pt_perftest_table
PT_NOCAL_OK=1
PT_TABLE_ON=client
PT_SIZES=$SIZE
for srv in ep host; do
	pt_pair "$srv" pt_perftest_table 240 ib_write_bw "${common[@]}" \
		-s "$SIZE" -n "$ITERS" --report_gbits
done
# 4 KiB WRITEs each way: each needs a few segments, so the ones posted
# behind it fit in its chain (docs/architecture.md §4a, "Requests sharing a
# chain").  A 64 KiB WRITE of the host in the endpoint-driven mode needs a
# segment per page where its pages and the target's are not contiguous, 16
# or more of a proxy request's 31 (PEDMA_XQ_SEGS): then none rides along, so
# the 64 KiB runs above do not show batching in every mode.  Counted on the
# writing side (the client).
PT_SIZES=$SMALL_SIZE
for srv in ep host; do
	[ "$srv" = "$PEER_ROLE" ] && write_batched0=$(ctr batched_reqs)
	pt_pair "$srv" pt_perftest_table 240 ib_write_bw "${common[@]}" \
		-s "$SMALL_SIZE" -n "$SMALL_ITERS" --report_gbits
	[ "$srv" = "$PEER_ROLE" ] && write_batched=$(($(ctr batched_reqs) - write_batched0))
done
# shellcheck disable=SC2034  # read by pt_perftest_table
PT_SIZES=$SEND_SIZE
# shellcheck disable=SC2034
PT_TABLE_ON="server client"
# post lists of 5: the SENDs of a list share a chain (the host posted
# receives ahead), counted on the sending side (the endpoint)
send_batched0=$(ctr batched_reqs)
pt_pair host pt_perftest_table 240 ib_send_bw "${common[@]}" \
	-s "$SEND_SIZE" -n "$SEND_ITERS" -l 5 --report_gbits
send_batched=$(($(ctr batched_reqs) - send_batched0))

echo 0 >"$TR/tracing_on"
sleep 1		# the peer's last numbers published
lab_signal "ctr-after-$PEDMA_ROLE"
lab_wait "ctr-after-$PEER_ROLE" 120 || fail "peer never finished its transfers"
snap
for k in "${!cur[@]}"; do after["$k"]=${cur["$k"]}; done
declare -p after
stat_line

# --- assertions ---------------------------------------------------------------------
moved() {	# moved KEY MIN: after[KEY] - before[KEY] >= MIN
	local d=$((after[$1] - before[$1]))
	if [ "$d" -lt "$2" ]; then
		bad "$1 moved by $d, expected at least $2"
	else
		lab_log "$1 moved by $d (>= $2)"
	fi
}
# Each side wrote N bytes into the other (one ib_write_bw each way).
moved tx_write_bytes "$N"
moved tx_write_reqs "$ITERS"
moved hw_tx_write_bytes "$N"
moved rx_write_bytes "$N"
moved rx_write_reqs "$ITERS"
moved edma_chains_started 1
moved edma_chains_done 1
# the endpoint's done IRQs are not separate; endpoint-driven, the host has no
# channel (its chains end by the endpoint's answers, at doorbells)
[ "$PEDMA_ROLE" = host ] && [ "${LAB_EP_MODE:-shared}" = shared ] && moved edma_interrupts 1
# ib_write_bw keeps 128 WRITEs posted: later ones ride in the chain of an
# earlier one (docs/architecture.md §4a, "Requests sharing a chain")
lab_log "4 KiB WRITEs riding in an earlier one's chain: $write_batched of $SMALL_ITERS"
[ "$write_batched" -ge 1 ] || bad "no 4 KiB WRITE of ib_write_bw rode in an earlier one's chain (batched_reqs)"
lab_log "WRITE requests per chain: $((after[tx_write_reqs] - before[tx_write_reqs])) requests," \
	"$((after[edma_chains_started] - before[edma_chains_started])) chains (SENDs included)," \
	"$((after[batched_reqs] - before[batched_reqs])) batched"
# ib_send_bw: the endpoint sends to the host's receives
if [ "$PEDMA_ROLE" = ep ]; then
	moved tx_send_bytes $((SEND_SIZE * SEND_ITERS))
	lab_log "SENDs riding in an earlier SEND's chain: $send_batched of $SEND_ITERS"
	[ "$send_batched" -ge 1 ] || bad "no SEND of ib_send_bw -l 5 rode in an earlier one's chain (batched_reqs)"
else
	moved rx_send_bytes $((SEND_SIZE * SEND_ITERS))
	moved rx_records "$SEND_ITERS"
fi
# The PMA, in 4-byte words: at least N each way
moved port_xmit_data $((N / 4))
moved port_rcv_data $((N / 4))
moved pma_xmit $((N / 4))
moved pma_rcv $((N / 4))
moved pma_xmit32 $((N / 4))
moved peer_pma_rcv $((N / 4))
moved pq_xmit $((N / 4))
moved pq_rcv $((N / 4))

# Hardware events: what this side's backend sent, the model applied
ev() { echo $((after["ev_$1"] - before["ev_$1"])); }
ev_eq() {	# ev_eq A B: A and B moved by the same amount
	if [ "$(ev "$1")" -ne "$(ev "$2")" ]; then
		bad "events: $1 moved by $(ev "$1"), $2 by $(ev "$2")"
	else
		lab_log "events: $1 = $2 = $(ev "$1")"
	fi
}
ev_le() {	# ev_le A B: A moved by at most B's amount
	[ "$(ev "$1")" -le "$(ev "$2")" ] ||
		bad "events: $1 moved by $(ev "$1"), more than $2 ($(ev "$2"))"
}
ev_eq drv_reg_writes model_reg_writes
ev_eq drv_reg_reads model_reg_reads
ev_eq drv_kicks model_kicks
ev_le model_chains model_doorbells
if [ "$PEDMA_ROLE" = host ] && [ "${LAB_EP_MODE:-shared}" = endpoint-driven ]; then
	# endpoint-driven: the endpoint ran every chain, the host rang no engine
	[ "$(ev model_chains)" -eq 0 ] || bad "events: $(ev model_chains) chains started by the host, endpoint-driven"
	[ "$(ev model_peer_chains)" -ge 1 ] || bad "events: no chain started by the endpoint"
	lab_log "endpoint-driven: the endpoint's engine ran $(ev model_peer_chains) chains, the host's none"
else
	[ "$(ev model_chains)" -ge 1 ] || bad "events: no chain started on this side"
fi
ev_le drv_irq_edma_wr model_irq_vec1
ev_le drv_irq_edma_rd model_irq_vec2
moved_bytes=$(($(ev model_bytes) + $(ev model_peer_bytes)))
min_bytes=$((2 * N + 2 * SMALL_SIZE * SMALL_ITERS + SEND_SIZE * SEND_ITERS))
if [ "$moved_bytes" -lt "$min_bytes" ]; then
	bad "events: the channels of both sides moved $moved_bytes bytes, the verbs $min_bytes"
fi
# The endpoint on the dmaengine mover (--ep-dmaengine): its chains ran as
# descriptors of the lab's dmaengine driver, at least one each, none aborted
if [ "$PEDMA_ROLE" = ep ] && [ "${LAB_EP_MOVER:-ll}" = dmaengine ]; then
	chains=$((after[edma_chains_started] - before[edma_chains_started]))
	[ "$(ev drv_dma_descs)" -ge "$chains" ] ||
		bad "events: $chains chains but only $(ev drv_dma_descs) dmaengine descriptors"
	[ "$(ev drv_dma_aborts)" -eq 0 ] || bad "events: $(ev drv_dma_aborts) dmaengine descriptors aborted"
	lab_log "dmaengine mover: $chains chains, $(ev drv_dma_descs) descriptors," \
		"$(ev drv_dma_elems) LL elements"
fi
msgs=$((2 * ITERS + 2 * SMALL_ITERS + SEND_ITERS))
lab_log "events per message ($msgs messages, both directions, this side):" \
	"doorbells $(awk -v a="$(ev model_doorbells)" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')," \
	"register writes $(awk -v a="$(ev drv_reg_writes)" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')," \
	"register reads $(awk -v a="$(ev drv_reg_reads)" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')," \
	"kicks $(awk -v a="$(ev drv_kicks)" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')," \
	"interrupts $(awk -v a="$(($(ev drv_irq_edma_wr) + $(ev drv_irq_edma_rd) + $(ev drv_irq_peer)))" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')," \
	"window loads $(awk -v a="$((after[wnd_loads] - before[wnd_loads]))" -v m="$msgs" 'BEGIN { printf "%.2f", a / m }')" \
	"(and $((after[wnd_loads_hb] - before[wnd_loads_hb])) by the heartbeat meanwhile)"
# The data path loads from the window (directory entries, published
# receive rings, records): it cannot have moved 500 messages with none.
[ "$((after[wnd_loads] - before[wnd_loads]))" -ge 1 ] || bad "wnd_loads did not move over $msgs messages"

# Tracepoints
trace=$(cat "$TR/trace")
echo 0 >"$TR/events/pedma/enable"
: >"$TR/trace"
for ev in pedma_wr_start pedma_wr_done pedma_chain_start pedma_chain_done; do
	n=$(grep -c " $ev: " <<<"$trace") || n=0
	if [ "$n" -gt 0 ]; then
		lab_log "tracepoint $ev: $n events"
	else
		bad "tracepoint $ev never fired during the transfers"
	fi
done
if [ "$PEDMA_ROLE" = host ]; then
	n=$(grep -c " pedma_recv_record: " <<<"$trace") || n=0
	[ "$n" -ge "$SEND_ITERS" ] || bad "pedma_recv_record fired $n times, expected >= $SEND_ITERS"
fi
grep " pedma_" <<<"$trace" | head -8 || true

[ "$errors" -eq 0 ] || PT_FAILED=$((PT_FAILED + errors))
PT_SUMMARY+=("counters, PMA, resources, identity, tracepoints: $errors problems")
pt_summary
