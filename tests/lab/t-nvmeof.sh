#!/bin/bash
# NVMe over Fabrics (RDMA) between the guests over $PEDMA_DEV (default
# pedma0), with the kernel's unmodified nvmet-rdma and nvme-rdma: the
# initiator registers every I/O's memory with IB_WR_REG_MR and the target
# answers with SEND_WITH_INV (or the initiator posts LOCAL_INV), so this is
# the fast-registration path under a real ULP.
#   - IPoIB up (t-ib-lib.sh: 10.77.0.{1,2}), rdma_cm resolves through it;
#   - the target side: brd (/dev/ram0, 64 MiB of RAM, so every byte is
#     real) as the namespace of subsystem $NQN, an nvmet port on its ib0
#     address, transport rdma;
#   - the initiator: nvme connect -t rdma, then fio with verify=crc32c on
#     the namespace: 4 KiB random write+verify and 128 KiB sequential
#     write+verify, iodepth 32 (libaio, O_DIRECT); each job writes its
#     pattern, reads it back and checks every block's CRC (fio exits
#     nonzero on a mismatch);
#   - nvme disconnect, connect again, one more fio verify pass (the blocks
#     written before must still read back: a read-only verify), disconnect;
#   - round 1: the target on the host; round 2: the target on the endpoint.
# dmesg is checked after every step on both sides.
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"
# shellcheck source=tests/lab/t-nvmeof-lib.sh
source "$PEDMA_REPO/tests/lab/t-nvmeof-lib.sh"

NQN=nqn.2026-12.org.pedma:lab
SVC=4420
NVMEOF_RAM_MB=64
FIO_SIZE=${PEDMA_NVMEOF_FIO_SIZE:-16M}	# per job: small, TCG is slow
TMO=300					# one fio run's limit

command -v nvme >/dev/null || fail "nvme-cli is not installed (scripts/deps.sh)"
command -v fio >/dev/null || fail "fio is not installed (scripts/deps.sh)"

# run_fio NAME ARGS...: fio on the namespace; fails on any error or
# verification mismatch.
run_fio() {
	local name=$1 dev log
	shift
	dev=$(nvme_dev) || { echo "no namespace"; return 1; }
	log=$PT_LOGDIR/fio-$name-$PEDMA_ROLE.log
	timeout "$TMO" fio --name="$name" --filename="$dev" --ioengine=libaio --direct=1 \
		--iodepth=32 --size="$FIO_SIZE" --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --output="$log" "$@" || {
		tail -n 30 "$log"
		echo "fio $name failed"
		return 1
	}
	grep -E "err=|READ:|WRITE:" "$log" | sed 's/^ *//'
	grep -q "err= 0" "$log" || { echo "fio $name reported an error"; return 1; }
	case " $* " in
	*" --verify=0 "*) echo "fio $name: $FIO_SIZE, no errors (no verification)" ;;
	*" --verify_only=1 "*) echo "fio $name: $FIO_SIZE read back and verified (crc32c)" ;;
	*) echo "fio $name: $FIO_SIZE written, read back and verified (crc32c)" ;;
	esac
}

ib_cm_setup nvmeof
round=0
for tgt in host ep; do
	round=$((round + 1))
	if [ "$PEDMA_ROLE" = "$tgt" ]; then
		ib_step "round $round: nvmet target on $CM_SELF" target_up "$CM_SELF" ||
			ib_abort "no nvmet target"
		ib_sync "nvmeof-$round-target" 120 || ib_abort "no initiator"
		ib_sync "nvmeof-$round-done" $((6 * TMO)) || ib_abort "the initiator did not finish"
		ib_step "round $round: nvmet target down" target_down || true
	else
		ib_sync "nvmeof-$round-target" 120 || ib_abort "no target on $CM_PEER"
		if ib_step "round $round: nvme connect -t rdma $CM_PEER" host_connect "$CM_PEER"; then
			ib_step "round $round: fio 4k randwrite verify" run_fio rand4k \
				--rw=randwrite --bs=4k || true
			ib_step "round $round: fio 128k seq write verify" run_fio seq128k \
				--rw=write --bs=128k || true
			ib_step "round $round: fio 4k randread" run_fio randread4k \
				--rw=randread --bs=4k --verify=0 --do_verify=0 || true
			ib_step "round $round: nvme disconnect" host_disconnect || true
			if ib_step "round $round: nvme connect again" host_connect "$CM_PEER"; then
				ib_step "round $round: fio 128k verify only (blocks of before)" \
					run_fio seq128k --rw=write --bs=128k --verify_only=1 || true
			fi
			ib_step "round $round: nvme disconnect again" host_disconnect || true
		fi
		ib_sync "nvmeof-$round-done" 120 || ib_abort "the target side vanished"
	fi
done
ib_summary
