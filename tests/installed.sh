#!/bin/sh
# installed.sh - proves libuccn usable from outside the project: stages `meson install` of the
# build into a scratch root, checks what landed (program, headers, shared and static library
# with its soname, pkg-config file), that the shared library exports exactly the functions the
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
