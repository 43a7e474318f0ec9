#!/bin/sh
# split_view_cli.sh - a split view carried by export files and a proof file, caught by the
# commands: the
# Secretariat's key signs two registries (a copy of its home goes on with another
# designation), one city imports each, the cities swap files, and both then show the alarm in
# 'registry verify' and 'status', write the evidence, which 'registry check-evidence' accepts
# with nothing but the network id. Usage: split_view_cli.sh UCCN
set -eu
uccn=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$uccn" --home "$tmp/a" init --secretariat --name UNESCO >/dev/null
network=$("$uccn" --home "$tmp/a" whoami)
for c in lyon kobe; do
	"$uccn" --home "$tmp/$c" init --name $c --country FR --field film --network "$network" \
		>/dev/null
	"$uccn" --home "$tmp/a" designate "$("$uccn" --home "$tmp/$c" whoami)" --name $c \
		--country FR --field film --year 2017 >/dev/null
done
cp -a "$tmp/a" "$tmp/b"
# A real Ed25519 key for a city nobody runs here (a key must be a point of the curve).
key() {
	"$uccn" --home "$tmp/key$1" init --name "Key $1" --country FR --field film >/dev/null
	"$uccn" --home "$tmp/key$1" whoami
}
"$uccn" --home "$tmp/a" designate "$(key 1)" --name One --country FR --field film \
	--year 2020 >/dev/null
"$uccn" --home "$tmp/b" designate "$(key 2)" --name Two --country FR --field film \
	--year 2020 >/dev/null
"$uccn" --home "$tmp/a" export >"$tmp/a.uccn" 2>/dev/null
"$uccn" --home "$tmp/b" export >"$tmp/b.uccn" 2>/dev/null
"$uccn" --home "$tmp/lyon" import "$tmp/a.uccn" >/dev/null
"$uccn" --home "$tmp/kobe" import "$tmp/b.uccn" >/dev/null
# Each half alone sees nothing wrong.
"$uccn" --home "$tmp/lyon" registry verify >/dev/null
"$uccn" --home "$tmp/kobe" registry verify >/dev/null
if "$uccn" --home "$tmp/lyon" registry evidence >/dev/null 2>&1; then
	echo "evidence before the halves met" >&2
	exit 1
fi

# A proof file is a view too: Turin holds A's registry, and Kobe's proof (under B's
# checkpoint), checked with --compare against Turin's registry, raises the alarm there.
"$uccn" --home "$tmp/turin" init --name turin --country IT --field film --network "$network" \
	>/dev/null
"$uccn" --home "$tmp/turin" import "$tmp/a.uccn" >/dev/null
"$uccn" --home "$tmp/kobe" registry prove "$("$uccn" --home "$tmp/kobe" whoami)" \
	-o "$tmp/kobe.proof"
"$uccn" --home "$tmp/turin" registry check "$tmp/kobe.proof" --network "$network" >/dev/null
if "$uccn" --home "$tmp/turin" registry check "$tmp/kobe.proof" --network "$network" \
	--compare >"$tmp/compare" 2>&1; then
	echo "a proof of the other branch compared clean" >&2
	exit 1
fi
grep -q "ALARM: split view" "$tmp/compare"
"$uccn" --home "$tmp/turin" registry evidence >"$tmp/turin.evidence"
"$uccn" registry check-evidence "$tmp/turin.evidence" --network "$network" | grep -q '^valid'
# Lyon's own proof compares clean with Turin: one registry.
"$uccn" --home "$tmp/lyon" registry prove "$("$uccn" --home "$tmp/lyon" whoami)" \
	-o "$tmp/lyon.proof"
"$uccn" --home "$tmp/lyon" registry check "$tmp/lyon.proof" --network "$network" --compare \
	>/dev/null

"$uccn" --home "$tmp/lyon" export >"$tmp/lyon.uccn" 2>/dev/null
"$uccn" --home "$tmp/kobe" import "$tmp/lyon.uccn" >/dev/null 2>&1 || true # forks refused
"$uccn" --home "$tmp/kobe" export >"$tmp/kobe.uccn" 2>/dev/null
"$uccn" --home "$tmp/lyon" import "$tmp/kobe.uccn" >/dev/null 2>&1 || true
for c in lyon kobe; do
	if "$uccn" --home "$tmp/$c" registry verify >"$tmp/verify" 2>&1; then
		echo "$c: registry verify found nothing" >&2
		exit 1
	fi
	grep -q "ALARM: split view" "$tmp/verify"
	"$uccn" --home "$tmp/$c" status | grep -q "ALARM: split view"
	"$uccn" --home "$tmp/$c" registry evidence >"$tmp/$c.evidence"
	"$uccn" registry check-evidence "$tmp/$c.evidence" --network "$network" | grep -q '^valid'
done
# Both hubs, handed the cities' files, hold the alarm too.
"$uccn" --home "$tmp/a" import "$tmp/kobe.uccn" >/dev/null 2>&1 || true
"$uccn" --home "$tmp/a" status | grep -q "ALARM: split view"

# Evidence is checked, not believed: another network, or one checkpoint changed.
other=$(printf '%064d' 7)
if "$uccn" registry check-evidence "$tmp/lyon.evidence" --network "$other" 2>/dev/null; then
	echo "evidence of another network accepted" >&2
	exit 1
fi
awk 'NR == 3 { $3 = (substr($3, 1, 1) == "A" ? "B" : "A") substr($3, 2) } { print }' \
	"$tmp/lyon.evidence" >"$tmp/bad"
if cmp -s "$tmp/bad" "$tmp/lyon.evidence"; then
	echo "the evidence was not altered" >&2
	exit 1
fi
if "$uccn" registry check-evidence "$tmp/bad" --network "$network" 2>/dev/null; then
	echo "altered evidence accepted" >&2
	exit 1
fi
echo "ok: a split view carried by files is caught, shown and proven"
