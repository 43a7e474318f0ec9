#!/bin/sh
# wss.sh - a hub behind a TLS-terminating reverse proxy, as README's nginx site sets one up:
# makes a private CA and a certificate for localhost (openssl), starts `uccn serve` on
# 127.0.0.1 and tests/tls_proxy.py in front of it, then checks that `uccn sync wss://...`
# trusting that CA (SSL_CERT_FILE) completes a session through the proxy, that without it the
# certificate is refused with a clear error, and that wss:// to a plain serve fails clearly.
#
# Usage: wss.sh UCCN_BIN SOURCE_ROOT
set -eu

uccn=$1
src=$2

fail() {
	echo "wss: $*" >&2
	exit 1
}

for tool in openssl python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "wss: skipped: no $tool (tools/setup installs it)"
		exit 77 # meson: skipped
	fi
done

work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# waitfor FILE PATTERN: polls FILE until a line matches (10 s at most: only a hang stops it).
waitfor() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 1000 ] || fail "no '$2' in $1: $(cat "$1" "$1.err" 2>/dev/null)"
		sleep 0.01
	done
}

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=uccn test CA" \
	-keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>&1 || fail "cannot make the CA"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
	-keyout "$work/other.key" -out "$work/other.pem" >/dev/null 2>&1 || fail "cannot make a CA"
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout "$work/hub.key" -out "$work/hub.csr" >/dev/null 2>&1 || fail "cannot make the key"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/san"
openssl x509 -req -in "$work/hub.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -days 2 -extfile "$work/san" -out "$work/hub.pem" >/dev/null 2>&1 ||
	fail "cannot sign the certificate"

export HOME="$work"
unset UCCN_HOME XDG_DATA_HOME
"$uccn" --home "$work/hub" init --secretariat --name UNESCO >"$work/hub.init" ||
	fail "init of the hub failed"
network=$(sed -n 's/^network //p' "$work/hub.init")
"$uccn" --home "$work/city" init --network "$network" --name Adelaide --country AU \
	--field music >/dev/null || fail "init of the city failed"
"$uccn" --home "$work/city" put best_practice title="Music in schools" >/dev/null ||
	fail "put failed"

"$uccn" --home "$work/hub" serve --listen 127.0.0.1:0 >"$work/serve" 2>"$work/serve.err" &
pids="$pids $!"
waitfor "$work/serve" "^listening on "
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/serve")

python3 "$src/tests/tls_proxy.py" "$work/hub.pem" "$work/hub.key" "127.0.0.1:$port" \
	>"$work/proxy" 2>"$work/proxy.err" &
pids="$pids $!"
waitfor "$work/proxy" "^proxy "
tls_port=$(sed -n 's/^proxy \([0-9]*\)$/\1/p' "$work/proxy")

# Trusting another CA only, the certificate is refused, and nothing moves.
if SSL_CERT_FILE="$work/other.pem" "$uccn" --home "$work/city" sync "wss://localhost:$tls_port/" \
	>"$work/out" 2>"$work/err"; then
	fail "a certificate of an unknown CA was accepted"
fi
grep -q "wss://localhost:$tls_port/: cannot connect" "$work/err" || fail "said: $(cat "$work/err")"
"$uccn" --home "$work/hub" held | grep -q . && fail "the hub took changes through a refused TLS"

# Trusting it, a whole session runs inside TLS: the hub holds the city's change.
SSL_CERT_FILE="$work/ca.pem" "$uccn" --home "$work/city" sync "wss://localhost:$tls_port/" \
	>"$work/out" 2>"$work/err" || fail "sync over wss:// failed: $(cat "$work/err")"
grep -q "^sent [1-9]" "$work/out" || fail "sync printed: $(cat "$work/out")"
"$uccn" --home "$work/hub" held | grep -q . || fail "the hub holds nothing from the city"

# wss:// straight to the serve (no TLS there) fails clearly, without a hang.
if SSL_CERT_FILE="$work/ca.pem" "$uccn" --home "$work/city" sync "wss://127.0.0.1:$port" \
	>"$work/out" 2>"$work/err"; then
	fail "wss:// to a plain serve succeeded"
fi
grep -q "wss://127.0.0.1:$port: cannot connect" "$work/err" || fail "said: $(cat "$work/err")"
echo "wss: ok"
