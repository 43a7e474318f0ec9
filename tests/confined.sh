#!/bin/sh
# confined.sh - checks that each third-party library is included by its one module only
# (STYLE.md 2.6): <sqlite3.h> in node/store.c, <libwebsockets.h> in node/transport_lws.c,
# <msgpack.h> and <msgpack/...> in proto/ only, <sodium.h> in node/crypto.c, <zstd.h> in
# proto/compress.c, <jansson.h> in tools/, <libical/ical.h> in tools/ui_ics.c, inih's <ini.h>
# in tools/cli_config.c, libsystemd's <systemd/...> in tools/cli_systemd.c and <csv.h>
# (libcsv) in tools/cli_csv.c. Tests (tests/, with tests/fuzz/) are exempt. And the `uccn`
# program (tools/uccn.c, tools/cli*.[ch], tools/cmd_*.c) uses the library as any program would: its quoted includes
# name tools/ headers only, the library through <uccn/...>. The benchmarks in tools/ (bench*.c,
# bench_util.h) are exempt: they time the store, the change log, the codec and the verifying
# pool themselves, which no public call isolates. Prints each offending line and exits 1.
#
# Usage: confined.sh [source root]   (meson passes the root; default: this script's parent)

root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2

# Every C source and header outside tests/, build folders (build*/) and hidden folders.
files=$(find . \( -path ./tests -o -path './build*' -o -path './.*' -o -path ./subprojects \) \
	-prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)

status=0

# check HEADER PATTERN ALLOWED WHO: HEADER names the library's header in messages, PATTERN is
# an ERE for what follows "include" up to the header name, ALLOWED an ERE the path of a file
# that may include it must match in full, WHO says which file that is.
check() {
	header=$1
	pattern=$2
	allowed=$3
	who=$4
	offenders=$(printf '%s\n' "$files" | while IFS= read -r f; do
		[ -n "$f" ] || continue
		# /dev/null makes grep print the file name even for one file.
		grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pattern)" "$f" /dev/null
	done | grep -vE "^($allowed):")
	if [ -n "$offenders" ]; then
		printf 'confined: %s may be included only in %s, but:\n' "$header" "$who"
		printf '%s\n' "$offenders" | sed 's/^/  /'
		status=1
	fi
}

check '<sqlite3.h>' 'sqlite3\.h' 'node/store\.c' node/store.c
check '<libwebsockets.h>' 'libwebsockets\.h' 'node/transport_lws\.c' node/transport_lws.c
check '<msgpack.h>' 'msgpack\.h|msgpack/' 'proto/[^/:]*' 'proto/'
check '<sodium.h>' 'sodium\.h|sodium/' 'node/crypto\.c' node/crypto.c
check '<zstd.h>' 'zstd\.h|zstd_errors\.h' 'proto/compress\.c' proto/compress.c
check '<jansson.h>' 'jansson\.h' 'tools/[^:]*' 'tools/'
check '<libical/ical.h>' 'libical/|ical\.h' 'tools/ui_ics\.c' tools/ui_ics.c
check '<ini.h>' 'ini\.h' 'tools/cli_config\.c' tools/cli_config.c
check '<systemd/...>' 'systemd/' 'tools/cli_systemd\.c' tools/cli_systemd.c
check '<csv.h>' 'csv\.h' 'tools/cli_csv\.c' tools/cli_csv.c

# The program's own files: no quoted include outside tools/ (a private header of the library).
program=$(printf '%s\n' "$files" | grep -E '^tools/(uccn\.c|cli[^/]*\.[ch]|cmd_[^/]*\.c|ui[^/]*\.[ch])$')
offenders=$(printf '%s\n' "$program" | while IFS= read -r f; do
	[ -n "$f" ] || continue
	grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" /dev/null |
		grep -vE '^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"tools/'
done)
if [ -n "$offenders" ]; then
	printf 'confined: the uccn program reaches the library through <uccn/...> only, but:\n'
	printf '%s\n' "$offenders" | sed 's/^/  /'
	status=1
fi

if [ "$status" -eq 0 ]; then
	echo "confined: ok"
fi
exit "$status"
