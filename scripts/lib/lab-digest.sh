#!/bin/bash
# lab-digest.sh STAMP: for every lab run directory newer than STAMP (the
# runs of one scripts/test.sh), a side whose exit status is missing or not
# 0: its status, its FAIL lines (at most 6) or, without any, its last 3
# output lines.  At most 40 lines in all, printed last so that a CI log's
# tail says which program of which run failed.
set -uo pipefail
stamp=$1
runs=$(dirname "$stamp")
{
	find "$runs" -mindepth 1 -maxdepth 1 -type d -newer "$stamp" | sort |
	while read -r d; do
		for side in host ep; do
			[ -e "$d/$side.out" ] || [ -e "$d/$side.rc" ] || continue
			rc=$(cat "$d/$side.rc" 2>/dev/null || echo missing)
			[ "$rc" = 0 ] && continue
			echo "== ${d#"$runs"/} $side: exit status $rc"
			if grep -q '^  FAIL ' "$d/$side.out" 2>/dev/null; then
				grep '^  FAIL ' "$d/$side.out" | head -6
			else
				tail -n 3 "$d/$side.out" 2>/dev/null
			fi
		done
	done
} | { echo "===== lab runs that did not pass (build/lab/runs) ====="; head -n 40; }
