#!/bin/bash
# pedma-lab shell: the side without the shell waits here until the shell
# ends (stage2.sh runs the shell itself on the other side's console).
set -euo pipefail
lab_log "waiting for the shell on the $LAB_SHELL_ROLE guest to end"
lab_wait shell-done $((PEDMA_TIMEOUT - 10)) || true
