#!/bin/sh
# installed.sh - proves libuccn usable from outside the project: stages `meson install` of the
# build into a scratch root, checks what landed (program, manual pages, systemd unit checked
# with systemd-analyze, sysusers.d and tmpfiles.d entries, configuration file, bash completion,
# headers, shared and static library with its soname, pkg-config file), that the shared library exports exactly the functions the
# public headers declare, and builds tests/example/example.c against the staged library through
# pkg-config, shared and static, and runs both.
#
# Usage: installed.sh SOURCE_ROOT BUILD_ROOT CC SANITIZE   (meson passes them; SANITIZE is
# b_sanitize, "none" or e.g. "address,undefined", so the example is built as the library was)
set -eu

src=$1
build=$2
cc=$3
sanitize=$4

fail() {
	echo "installed: $*" >&2
	exit 1
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

meson install -C "$build" --no-rebuild --destdir "$stage/root" --quiet >"$stage/install.log" 2>&1 ||
	{ cat "$stage/install.log" >&2; fail "meson install failed"; }

pc=$(find "$stage/root" -name uccn.pc | head -n 1)
[ -n "$pc" ] || fail "no uccn.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libuccn.so" "$libdir/libuccn.a"; do
	[ -e "$f" ] || fail "$f was not installed"
done
find "$stage/root" -path '*/bin/uccn' | grep -q . || fail "the uccn program was not installed"

# What runs it as a service: manual pages, the unit with its user and folder, the
# configuration file, bash completion.
installed() { # PATTERN: prints the one installed file whose path matches
	found=$(find "$stage/root" -path "$1" -type f)
	[ -n "$found" ] || fail "nothing installed at $1"
	printf '%s\n' "$found" | head -n 1
}
man1=$(installed '*/share/man/man1/uccn.1')
installed '*/share/man/man5/uccn.conf.5' >/dev/null
unit=$(installed '*/systemd/system/uccn.service')
sysusers=$(installed '*/sysusers.d/uccn.conf')
tmpfiles=$(installed '*/tmpfiles.d/uccn.conf')
installed '*/etc/uccn/uccn.conf' >/dev/null
installed '*/share/bash-completion/completions/uccn' >/dev/null
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
grep -qx 'User=uccn' "$unit" || fail "the unit does not run as uccn"
grep -qx 'StateDirectory=uccn' "$unit" || fail "the unit has no StateDirectory"
bindir=$(dirname "$(find "$stage/root" -path '*/bin/uccn' | head -n 1)")
grep -qx "ExecStart=${bindir#"$stage/root"}/uccn --home /var/lib/uccn serve" "$unit" ||
	fail "the unit does not start the installed uccn: $(grep ExecStart "$unit")"
grep -q '^u uccn ' "$sysusers" || fail "no user uccn in $sysusers"
grep -q '^d /var/lib/uccn 0700 uccn uccn' "$tmpfiles" || fail "no /var/lib/uccn in $tmpfiles"
if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit as systemd reads it, its ExecStart pointed at the staged program and its
	# Documentation= at the staged pages.
	sed "s|^ExecStart=[^ ]*|ExecStart=$bindir/uccn|" "$unit" >"$stage/uccn.service"
	MANPATH=$(dirname "$(dirname "$man1")") systemd-analyze verify "$stage/uccn.service" \
		>"$stage/verify.log" 2>&1 || { cat "$stage/verify.log" >&2; fail "systemd-analyze verify"; }
fi
for h in uccn.h node.h net.h change.h error.h log.h schema.h registry.h text.h; do
	find "$stage/root" -path "*/include/uccn/$h" | grep -q . || fail "<uccn/$h> was not installed"
done
soname=$(objdump -p "$libdir/libuccn.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libuccn.so.0" ] || fail "soname is '$soname', not libuccn.so.0"

# Every exported function is declared in a public header, and every declared one is exported.
incdir=$(dirname "$(find "$stage/root" -path '*/include/uccn/uccn.h' | head -n 1)")
exported=$(nm -D --defined-only "$libdir/libuccn.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
for s in $exported; do
	grep -qw "$s" "$incdir"/*.h || fail "libuccn.so exports $s, which no public header declares"
done
declared=$(sed -n 's/.*\<\(uccn_[a-z_0-9]*\)(.*/\1/p' "$incdir"/*.h | sort -u)
for s in $declared; do
	printf '%s\n' "$exported" | grep -qx "$s" || fail "$s is declared in <uccn/...> but not exported"
done

export PKG_CONFIG_SYSROOT_DIR="$stage/root"
export PKG_CONFIG_LIBDIR="$(dirname "$pc"):$(pkg-config --variable pc_path pkg-config)"
flags=""
if [ "$sanitize" != "none" ] && [ -n "$sanitize" ]; then
	flags="-fsanitize=$sanitize"
fi
# shellcheck disable=SC2046,SC2086 # pkg-config's output is a list of words
"$cc" -std=c17 -Wall -Wextra -Werror $flags -o "$stage/example" "$src/tests/example/example.c" \
	$(pkg-config --cflags --libs uccn) || fail "the example does not build against the shared library"
LD_LIBRARY_PATH="$libdir" "$stage/example" "$stage/home" >"$stage/out" ||
	fail "the example (shared) failed"
grep -q '^best_practice .*: Music in schools$' "$stage/out" || fail "the example printed: $(cat "$stage/out")"
LD_LIBRARY_PATH="$libdir" ldd "$stage/example" 2>/dev/null | grep -q "libuccn.so.0 => $libdir" ||
	fail "the example is not linked to the staged libuccn.so.0"

# shellcheck disable=SC2046,SC2086
"$cc" -std=c17 -Wall -Wextra -Werror $flags -o "$stage/example-static" \
	"$src/tests/example/example.c" -static-libgcc "$libdir/libuccn.a" \
	$(pkg-config --cflags --libs --static uccn | sed 's/-luccn//') ||
	fail "the example does not build against the static library"
"$stage/example-static" "$stage/home-static" >"$stage/out" || fail "the example (static) failed"
grep -q '^best_practice .*: Music in schools$' "$stage/out" || fail "the static example printed: $(cat "$stage/out")"
# Records and changes are opaque: their layout (and the limits it embeds) is not ABI, so a
# program that reaches into one must not build.
printf '#include <uccn/uccn.h>\nsize_t uccn_probe(const struct uccn_%s *x);\nsize_t uccn_probe(const struct uccn_%s *x) { return sizeof(*x); }\n' change change >"$stage/opaque_change.c"
printf '#include <uccn/uccn.h>\nsize_t uccn_probe(const struct uccn_%s *x);\nsize_t uccn_probe(const struct uccn_%s *x) { return sizeof(*x); }\n' record record >"$stage/opaque_record.c"
for t in change record; do
	# shellcheck disable=SC2046,SC2086
	if "$cc" -std=c17 -c -o "$stage/opaque.o" "$stage/opaque_$t.c" \
		$(pkg-config --cflags uccn) 2>/dev/null; then
		fail "struct uccn_$t is complete in the public headers (its layout would be ABI)"
	fi
done
echo "installed: ok ($soname, $(printf '%s\n' "$exported" | wc -l) functions exported)"
