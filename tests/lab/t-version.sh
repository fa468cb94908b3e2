#!/bin/bash
# A peer that speaks another window layout version is refused with a clear
# message; after it reloads with the right version the link comes up.  Run
# with pedma not loaded at boot on the ep.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

# The version this build speaks, and one it does not
V=$(sed -n 's/^#define PEDMA_WND_LAYOUT_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
	"$PEDMA_REPO/include/pedma/pedma_window.h")
BAD=99

if [ "$PEDMA_ROLE" = host ]; then
	wait_dmesg "peer speaks window layout version $BAD, this side speaks $V" 60 ||
		fail "no version refusal message"
	sleep 1
	case "$(port_state)" in *DOWN*) ;; *) fail "port $(port_state) with a v$BAD peer" ;; esac
	lab_signal host-refused
	lab_wait_port ACTIVE 60 || fail "not ACTIVE after the endpoint reloaded"
else
	pedma_load hs_layout_version=$BAD || fail "insmod v$BAD"
	lab_wait host-refused 60 || fail "host never refused"
	wait_dmesg "peer speaks window layout version $V, this side speaks $BAD" 10 ||
		fail "the v$BAD side did not refuse the v$V host"
	case "$(port_state)" in *DOWN*) ;; *) fail "ep port $(port_state) while refused" ;; esac
	pedma_unload || fail "rmmod"
	pedma_load || fail "insmod"
	lab_wait_port ACTIVE 60 || fail "not ACTIVE"
fi
finish
