# shellcheck shell=bash
# Sourced (bash): what the machine's apt sources say, so that scripts can
# derive new entries (another suite, deb-src) from the archive the machine
# already uses, with the same key, without naming any host themselves.
# Used by scripts/deps.sh and scripts/rdma-core-source.sh.

# Every apt entry of the machine as "TYPE<TAB>URI<TAB>SUITE<TAB>SIGNED-BY"
# (one line per URI and suite), from one-line .list files and deb822 .sources.
apt_entries() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
		/^[ \t]*#/ || NF < 3 { next }
		{
			sub(/#.*/, "")
			type = $1; i = 2; sb = ""
			if ($2 ~ /^\[/) {
				opts = ""
				for (; i <= NF; i++) {
					opts = opts " " $i
					if ($i ~ /\]$/) { i++; break }
				}
				gsub(/[\[\]]/, "", opts)
				n = split(opts, o, " ")
				for (k = 1; k <= n; k++)
					if (tolower(o[k]) ~ /^signed-by=/) sb = substr(o[k], 11)
			}
			if (i + 1 <= NF) printf "%s\t%s\t%s\t%s\n", type, $i, $(i + 1), sb
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(   nu, ns, nt, a, b, c, t, u, s) {
			if (enabled != "no" && types != "" && uris != "" && suites != "") {
				nt = split(types, t, " "); nu = split(uris, u, " "); ns = split(suites, s, " ")
				for (a = 1; a <= nt; a++) for (b = 1; b <= nu; b++) for (c = 1; c <= ns; c++)
					printf "%s\t%s\t%s\t%s\n", t[a], u[b], s[c], sb
			}
			types = uris = suites = sb = key = ""; enabled = "yes"
		}
		BEGIN { enabled = "yes" }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }		# continuation line (e.g. an inline key)
		{
			key = tolower($0); sub(/:.*/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
			if (key == "types") types = val
			else if (key == "uris") uris = val
			else if (key == "suites") suites = val
			else if (key == "enabled") enabled = tolower(val)
			else if (key == "signed-by" && val ~ /^\//) sb = val
		}
		END { flush() }' "$f"
	done
}

# "URI<TAB>SIGNED-BY" of the first deb entry serving SUITE (default
# bookworm), or nothing.
apt_archive_of() {
	apt_entries | awk -F'\t' -v s="${1:-bookworm}" '$1 == "deb" && $3 == s { print $2 "\t" $4; exit }'
}

# "URI<TAB>SIGNED-BY" of the Debian archive this machine uses: the entry
# serving bookworm, else this machine's own suite, else SUITE; nothing if
# none does.  Other suites of the archive are derived from it.
apt_debian_archive() {
	local entry codename=""
	entry=$(apt_archive_of bookworm)
	if [ -z "$entry" ] && [ -r /etc/os-release ]; then
		codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
		[ -z "$codename" ] || entry=$(apt_archive_of "$codename")
	fi
	[ -n "$entry" ] || [ -z "${1:-}" ] || entry=$(apt_archive_of "$1")
	printf '%s' "$entry"
}

# apt_private DIR TYPE SUITE: a private apt configuration in DIR, so that a
# script can fetch from another suite without reading or changing the
# machine's own apt sources: one entry "TYPE SUITE main" (TYPE deb or
# deb-src) derived from the archive and key of apt_debian_archive, lists and
# cache of its own.  Sets the array APT_PRIVATE to the options that select
# it (apt-get "${APT_PRIVATE[@]}" ...).  Returns 1 when no archive can be
# derived.
apt_private() {
	local dir=$1 type=$2 suite=$3 entry uri sb
	entry=$(apt_debian_archive "$suite")
	[ -n "$entry" ] || return 1
	uri=$(cut -f1 <<<"$entry")
	sb=$(cut -f2 <<<"$entry")
	mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache"
	{
		printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: main\n' \
			"$type" "$uri" "$suite"
		[ -z "$sb" ] || printf 'Signed-By: %s\n' "$sb"
	} >"$dir/sources.list.d/pedma-$type-$suite.sources"
	APT_PRIVATE=(
		-o "Dir::Etc::SourceList=/dev/null"
		-o "Dir::Etc::SourceParts=$dir/sources.list.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
		-o "APT::Sandbox::User=root"
		-o "Acquire::Languages=none"
		-o "Acquire::Retries=3"
	)
}

# apt_private_update DIR: apt-get update of the configuration apt_private
# made in DIR, once (again with PEDMA_REFRESH=1); its output in
# DIR/update.log.  Returns apt-get's status.
apt_private_update() {
	local dir=$1
	if [ "${PEDMA_REFRESH:-0}" != 1 ] && [ -f "$dir/stamp" ]; then
		return 0
	fi
	apt-get -q "${APT_PRIVATE[@]}" update >"$dir/update.log" 2>&1 || return
	touch "$dir/stamp"
}

# pedma_cache_root: where the fetching scripts keep their downloads and
# trees: $PEDMA_CACHE, else /var/cache/pedma when writable, else
# ~/.cache/pedma.
pedma_cache_root() {
	if [ -n "${PEDMA_CACHE:-}" ]; then
		printf '%s\n' "$PEDMA_CACHE"
	elif mkdir -p /var/cache/pedma 2>/dev/null && [ -w /var/cache/pedma ]; then
		printf '%s\n' /var/cache/pedma
	else
		printf '%s\n' "${HOME:-/tmp}/.cache/pedma"
	fi
}
