#!/bin/sh
# tlog_check.sh - a uccn registry checked by a transparency-log library nobody here wrote: Go's
# golang.org/x/mod/sumdb/note and sumdb/tlog (Debian: golang-go, golang-golang-x-mod-dev)
# verify uccn's checkpoint, inclusion proofs and a consistency proof, through tests/tlog/
# tlogcheck.go. Skips (77) only when go is missing. Usage: tlog_check.sh UCCN SOURCE_ROOT
set -eu
uccn=$1
src=$2
if ! command -v go >/dev/null 2>&1; then
	echo "go is not installed: skipped (apt-get install golang-go golang-golang-x-mod-dev)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Offline, from Debian's Go source tree: no module proxy, no network.
export HOME="$tmp" GOCACHE="$tmp/gocache" GOPATH=/usr/share/gocode GO111MODULE=off \
	GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
go build -o "$tmp/tlogcheck" "$src/tests/tlog/tlogcheck.go"
check=$tmp/tlogcheck

s=$tmp/secretariat
"$uccn" --home "$s" init --secretariat --name UNESCO >/dev/null
network=$("$uccn" --home "$s" whoami)
vkey=$("$uccn" --home "$s" registry checkpoint --key)
"$uccn" --home "$s" registry checkpoint >"$tmp/cp0"
"$check" note "$vkey" "$tmp/cp0"

designate() {
	"$uccn" --home "$tmp/$1" init --name "$1" --country FR --field music \
		--network "$network" >/dev/null
	"$uccn" --home "$s" designate "$("$uccn" --home "$tmp/$1" whoami)" --name "$1" \
		--country FR --field music --year 2020 >/dev/null
}

# A checkpoint after each designation: cp1 to cp8.
for i in 1 2 3 4 5 6 7 8; do
	designate c$i
	"$uccn" --home "$s" registry checkpoint >"$tmp/cp$i"
done
"$check" note "$vkey" "$tmp/cp8" | grep -q " 8 "

for i in 1 2 3 4 5 6 7 8; do
	"$uccn" --home "$s" registry prove "$("$uccn" --home "$tmp/c$i" whoami)" -o "$tmp/c$i.proof"
	"$check" inclusion "$vkey" "$tmp/c$i.proof"
	"$uccn" --home "$s" registry consistency $i >"$tmp/c$i-8"
	"$check" consistency "$vkey" "$tmp/cp$i" "$tmp/cp8" "$tmp/c$i-8"
done

# Every city is a witness (§9.11): each imports the registry, cosigns its checkpoint, and the
# Secretariat collects the cosignatures; Go checks each from the C2SP text alone, and the
# proofs still verify with the cosignature lines in their note.
"$uccn" --home "$s" export >"$tmp/registry.uccn" 2>/dev/null
witnesses=
for i in 1 2 3 4 5 6 7 8; do
	"$uccn" --home "$tmp/c$i" import "$tmp/registry.uccn" >/dev/null
	"$uccn" --home "$tmp/c$i" export >"$tmp/c$i.uccn" 2>/dev/null
	"$uccn" --home "$s" import "$tmp/c$i.uccn" >/dev/null
	witnesses="$witnesses $("$uccn" --home "$tmp/c$i" whoami)"
done
"$uccn" --home "$s" registry checkpoint >"$tmp/cosigned"
[ "$(grep -c '^— uccn-witness/' "$tmp/cosigned")" -eq 8 ]
"$check" note "$vkey" "$tmp/cosigned"
# shellcheck disable=SC2086 # one argument per witness key
"$check" cosigned "$tmp/cosigned" $witnesses
"$uccn" --home "$s" registry prove "$("$uccn" --home "$tmp/c5" whoami)" -o "$tmp/cosigned.proof"
"$check" inclusion "$vkey" "$tmp/cosigned.proof"
# Policy (§9.14): the checker lists the witnesses and can require a number of them.
"$uccn" registry check "$tmp/cosigned.proof" --network "$network" --require-witnesses 8 |
	grep -q '^cosigned by 8 witnesses: '
if "$uccn" registry check "$tmp/cosigned.proof" --network "$network" \
	--require-witnesses 9 >/dev/null 2>&1; then
	echo "a proof with 8 witnesses passed a requirement of 9" >&2
	exit 1
fi

# External witnesses (§9.15): a witness written from the C2SP tlog-witness text, in Go, takes
# the Secretariat's checkpoint, then a newer one with a consistency proof, and its cosignature
# travels beside the cities'.
go build -o "$tmp/witness" "$src/tests/tlog/witness.go"
"$tmp/witness" "$vkey" >"$tmp/witness.out" 2>"$tmp/witness.err" &
witness_pid=$!
trap 'kill $witness_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
	grep -q '^vkey ' "$tmp/witness.out" && break
	sleep 0.1
done
port=$(sed -n 's/^port //p' "$tmp/witness.out")
wvkey=$(sed -n 's/^vkey //p' "$tmp/witness.out")
wkey=$(printf '%s' "$wvkey" | cut -d+ -f3- | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \n')
"$uccn" --home "$s" registry witness-add "http://127.0.0.1:$port" "$wvkey" >/dev/null
"$uccn" --home "$s" registry witness-submit | grep -q '^witness.test/w1 .*cosigned the checkpoint of size 8$'
# Each later checkpoint goes to the witness as the write that makes it signs it: designate
# submits it with no witness-submit, and a second submit finds it cosigned already.
"$uccn" --home "$tmp/c9" init --name c9 --country FR --field music --network "$network" >/dev/null
"$uccn" --home "$s" designate "$("$uccn" --home "$tmp/c9" whoami)" --name c9 --country FR \
	--field music --year 2020 >"$tmp/designate.out"
grep -q '^witness.test/w1 .*cosigned the checkpoint of size 9$' "$tmp/designate.out"
"$uccn" --home "$s" registry checkpoint | grep -q '^— witness.test/w1 '
"$uccn" --home "$s" registry witness-submit | grep -q 'cosigned the checkpoint of size 9$'
"$uccn" --home "$s" registry checkpoint >"$tmp/external"
grep -q '^— witness.test/w1 ' "$tmp/external"
"$check" note "$vkey" "$tmp/external"
"$check" cosigned-by "$tmp/external" witness.test/w1 "$wkey"
# The cosignature travels: a city that imports the registry holds it in its own checkpoint.
"$uccn" --home "$s" export >"$tmp/registry2.uccn" 2>/dev/null
"$uccn" --home "$tmp/c1" import "$tmp/registry2.uccn" >/dev/null
"$uccn" --home "$tmp/c1" registry checkpoint | grep -q '^— witness.test/w1 '
# A witness that says no: a city's node is no Secretariat, and a wrong key is refused.
if "$uccn" --home "$tmp/c1" registry witness-submit >/dev/null 2>&1; then
	echo "a city submitted checkpoints" >&2
	exit 1
fi
if "$uccn" --home "$s" registry witness-add "http://127.0.0.1:$port" "$(printf %s "$wvkey" | cut -d+ -f1-2)+AAAA" \
	>/dev/null 2>&1; then
	echo "a malformed witness key was taken" >&2
	exit 1
fi
# A witness that is down does not stop the Secretariat's work: the write stands, with a warning.
kill "$witness_pid"
wait "$witness_pid" 2>/dev/null || true
"$uccn" --home "$tmp/c10" init --name c10 --country FR --field music --network "$network" \
	>/dev/null
"$uccn" --home "$s" designate "$("$uccn" --home "$tmp/c10" whoami)" --name c10 --country FR \
	--field music --year 2020 >/dev/null 2>"$tmp/designate.err"
grep -q "^uccn: designate: warning: 1 external witness did not cosign; 'uccn registry witness-submit' tries again$" \
	"$tmp/designate.err"

# The worked checkpoint of PROTOCOL.md §9.12, as the document prints it.
doc=$src/proto/PROTOCOL.md
between() {
	awk -v name="$1" '$0 == "<!-- /" name " -->" {on = 0}
		on && $0 != "```" {print}
		$0 == "<!-- " name " -->" {on = 1}' "$doc"
}
between example-checkpoint >"$tmp/example.note"
"$check" note "$(between example-vkey)" "$tmp/example.note"
"$check" cosigned "$tmp/example.note" \
	29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7

# A checkpoint signed on demand: same size and root, so the cosignatures still hold.
"$uccn" --home "$s" registry checkpoint --sign >"$tmp/signed"
"$check" note "$vkey" "$tmp/signed" | grep -q " 10 "

# The checks are not vacuous: a changed root, a proof against another checkpoint, and another
# network's key all fail.
sed '3{s/^A/B/;t;s/^./A/}' "$tmp/cp8" >"$tmp/bad" # the root's first character, whatever it was
if "$check" note "$vkey" "$tmp/bad" 2>/dev/null; then
	echo "a changed checkpoint verified" >&2
	exit 1
fi
if "$check" consistency "$vkey" "$tmp/cp2" "$tmp/cp8" "$tmp/c3-8" 2>/dev/null; then
	echo "a consistency proof from the wrong checkpoint verified" >&2
	exit 1
fi
"$uccn" --home "$tmp/other" init --secretariat --name Other >/dev/null
if "$check" note "$("$uccn" --home "$tmp/other" registry checkpoint --key)" "$tmp/cp8" \
	2>/dev/null; then
	echo "another network's key verified the checkpoint" >&2
	exit 1
fi
echo "ok: checkpoints, 8 inclusion proofs and 8 consistency proofs verify with Go's sumdb"
