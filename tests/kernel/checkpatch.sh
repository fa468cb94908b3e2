#!/bin/bash
# checkpatch.pl --strict (from linux-source-6.1) on every kernel source file
# of the driver; any error, warning or check fails.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cp=/usr/src/linux-source-6.1/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	echo "FAIL: $cp missing (scripts/deps.sh unpacks linux-source-6.1)"
	exit 1
fi
cd "$repo"
files=$(ls kernel/drivers/infiniband/hw/pedma/*.[ch] kernel/drivers/ntb/hw/*/*.c \
	kernel/compat/probes/*.c)
out=$(perl "$cp" --no-tree --strict --terse -f $files 2>&1 || true)
# TRACE_EVENT() layout: the kernel's own trace headers (e.g.
# include/trace/events/rdma_core.h, 56 of them) get these two checks.
out=$(echo "$out" | grep -vE "_trace\.h:[0-9]+: CHECK: (Alignment should match open parenthesis|Lines should not end with a '\(')" || true)
echo "$out"
rm -f .checkpatch-camelcase.*
if echo "$out" | grep -qE "(ERROR|WARNING|CHECK):"; then
	echo "FAIL: checkpatch --strict found problems"
	exit 1
fi
echo "PASS: checkpatch --strict clean on $(echo "$files" | wc -w) files"
