#!/bin/bash
# The model fills the window with random bytes before anyone loads.  The
# host (pedma loaded at boot) must refuse the garbage with a message and
# stay DOWN; once the endpoint loads, the link comes up.  Run with
# --model-arg --fill-garbage=SEED and pedma not loaded at boot on the ep.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

if [ "$PEDMA_ROLE" = host ]; then
	wait_dmesg "link refused: peer handshake block invalid" 30 ||
		fail "no refusal message for the garbage block"
	dmesg | grep "link refused"
	sleep 1
	case "$(port_state)" in *DOWN*) ;; *) fail "port $(port_state) with a garbage peer" ;; esac
	lab_signal host-refused
	lab_wait_port ACTIVE 60 || fail "not ACTIVE after the endpoint loaded"
else
	[ ! -e /sys/module/pedma ] || fail "pedma loaded at boot on the ep; the test needs it not to be"
	lab_wait host-refused 60 || fail "host never refused"
	pedma_load || fail "insmod"
	lab_wait_port ACTIVE 60 || fail "not ACTIVE"
fi
finish
