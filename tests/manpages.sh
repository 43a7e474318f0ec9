#!/bin/sh
# manpages.sh - checks the manual pages against the program: every command of `uccn --help`
# (the program's command table) has its entry in uccn(1) (a ".B NAME" line), and both pages
# format without a warning when groff is there.
#
# Usage: manpages.sh UCCN_BIN SOURCE_ROOT
set -eu

uccn=$1
src=$2
page="$src/tools/man/uccn.1"
status=0

commands=$("$uccn" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
[ -n "$commands" ] || { echo "manpages: no command in 'uccn --help'" >&2; exit 1; }
for c in $commands; do
	# roff writes a hyphen in a name as "\-".
	roff=$(printf '%s' "$c" | sed 's/-/\\\\-/g')
	if ! grep -q "^\.B $roff\( \|$\)" "$page"; then
		echo "manpages: '$c' is a command of uccn but has no entry in uccn(1)" >&2
		status=1
	fi
done

if command -v groff >/dev/null 2>&1; then
	for p in "$page" "$src/tools/man/uccn.conf.5"; do
		warnings=$(groff -man -ww -z "$p" 2>&1)
		if [ -n "$warnings" ]; then
			printf 'manpages: %s:\n%s\n' "$p" "$warnings" >&2
			status=1
		fi
	done
fi
[ "$status" -eq 0 ] && echo "manpages: ok ($(echo "$commands" | wc -w) commands)"
exit "$status"
