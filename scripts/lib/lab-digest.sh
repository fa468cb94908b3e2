#!/bin/bash
# lab-digest.sh STAMP: every lab run directory newer than STAMP (the runs
# of one scripts/test.sh) that did not pass: the launcher's verdict lines
# (OUT/verdict, lab/pedma-lab; "no verdict" when the launcher was killed,
# e.g. by ctest's timeout), then each side's FAIL lines (at most 6) or,
# for a side without any that did not exit 0, its last 3 output lines.
# Runs whose test wanted them to fail and saw the failure it wanted leave
# an "expected-fail" file in their directory and are not listed.
# At most 40 lines in all, printed last so that a CI log's tail says which
# program of which run failed.
set -uo pipefail
stamp=$1
runs=$(dirname "$stamp")
{
	find "$runs" -mindepth 1 -maxdepth 1 -type d -newer "$stamp" | sort |
	while read -r d; do
		v="$d/verdict"
		[ -e "$d/expected-fail" ] && continue
		[ -e "$v" ] && [ "$(tail -n 1 "$v")" = "pedma-lab: PASS" ] && continue
		echo "== ${d#"$runs"/}"
		if [ -e "$v" ]; then
			grep -E '^pedma-lab: FAIL' "$v" | head -6
		else
			echo "no verdict (the launcher did not finish)"
		fi
		for side in host ep; do
			[ -e "$d/$side.out" ] || continue
			rc=$(cat "$d/$side.rc" 2>/dev/null || echo missing)
			if grep -q '^  FAIL ' "$d/$side.out"; then
				echo "$side (exit status $rc):"
				grep '^  FAIL ' "$d/$side.out" | head -6
			elif [ "$rc" != 0 ]; then
				echo "$side (exit status $rc), last lines:"
				tail -n 3 "$d/$side.out"
			fi
		done
	done
} | { echo "===== lab runs that did not pass (build/lab/runs) ====="; head -n 40; }
