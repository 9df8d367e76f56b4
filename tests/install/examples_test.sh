#!/usr/bin/env bash
# The installed client library, used as a user would (issue #13, item 5):
#   1. install the libforkv component into a DESTDIR inside the build tree;
#   2. check the SONAME, that only forkv:: symbols are exported, and that
#      the headers compile alone (C++17);
#   3. build examples/ with find_package(forkv) and hello.cc with pkg-config;
#   4. run both against a real forkv-manager on a private socket.
# Usage: examples_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$1
BUILD=$2
DEST=$BUILD/destdir
PREFIX=/usr/local
WORK=$(mktemp -d /tmp/forkv-examples-XXXXXX)
MANAGER_PID=
cleanup() {
  if [[ -n $MANAGER_PID ]]; then kill -TERM "$MANAGER_PID" 2>/dev/null || true; wait "$MANAGER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "examples_test: $*" >&2; exit 1; }

rm -rf "$DEST"
DESTDIR=$DEST cmake --install "$BUILD" --prefix "$PREFIX" --component libforkv >/dev/null
DESTDIR=$DEST cmake --install "$BUILD" --prefix "$PREFIX" --component python >/dev/null
PYDIR=$(dirname "$(find "$DEST$PREFIX" -path '*dist-packages/forkv/__init__.py' | head -1)")
[[ -f $PYDIR/__init__.py ]] || fail "the Python client is not installed"
# Where Debian's python3 looks, once the DESTDIR is stripped.
/usr/bin/python3 -c "import sys; sys.exit(0 if '${PYDIR%/forkv}'[len('$DEST'):] in sys.path else 1)" ||
  fail "${PYDIR#$DEST} is not on Debian python3's sys.path"
LIBDIR=$(dirname "$(find "$DEST$PREFIX" -name 'libforkv.so.*.*' | head -1)")
[[ -d $LIBDIR ]] || fail "libforkv.so not installed"
for f in include/forkv/client.h include/forkv/status.h; do
  [[ -f $DEST$PREFIX/$f ]] || fail "$f not installed"
done
[[ -f $LIBDIR/pkgconfig/forkv.pc ]] || fail "forkv.pc not installed"
[[ -f $LIBDIR/cmake/forkv/forkvConfig.cmake ]] || fail "forkvConfig.cmake not installed"
[[ -L $LIBDIR/libforkv.so ]] || fail "no libforkv.so development link"

soname=$(objdump -p "$LIBDIR/libforkv.so" | awk '/SONAME/ {print $2}')
[[ $soname == libforkv.so.0 ]] || fail "SONAME is '$soname', want libforkv.so.0"
# Exported C++ symbols: forkv's API only (plus the C++ runtime's weak
# template instances, which are not ours to hide: std::, typeinfo, guards).
symbols=$(nm -DC --defined-only "$LIBDIR/libforkv.so")
leaked=$(awk '$2 ~ /[TDB]/ {$1=""; $2=""; print}' <<<"$symbols" |
         grep -v '^ *forkv::' | grep -v '^ *_init$\|^ *_fini$' || true)
[[ -z $leaked ]] || fail "symbols outside forkv:: exported: $(head -5 <<<"$leaked")"
[[ $symbols == *"forkv::Client::Get"* ]] || fail "Client::Get not exported"
[[ $symbols != *"forkv::EncodeRequest"* ]] || fail "internal codec exported"

# Each header compiles on its own, in C++17, with warnings as errors.
for h in client.h status.h; do
  echo "#include <forkv/$h>" | c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only \
    -I"$DEST$PREFIX/include" -x c++ - || fail "forkv/$h does not compile alone"
done

# CMake package.
cmake -S "$SRC/examples" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$DEST$PREFIX" >/dev/null ||
  fail "examples: cmake configure failed"
cmake --build "$WORK/cmake" >/dev/null || fail "examples: build failed"
# pkg-config, with the DESTDIR as sysroot.
PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST \
  c++ -std=c++17 -Wall -Wextra -Werror -o "$WORK/hello-pc" "$SRC/examples/hello.cc" \
  $(PKG_CONFIG_PATH=$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config --cflags --libs forkv) ||
  fail "hello.cc does not build with pkg-config"

# Run them against a real manager.
"$BUILD/bin/forkv-manager" --socket "ipc://$WORK/run/manager.sock" --data-dir "$WORK/data" \
  --init --log-level warn >"$WORK/manager.log" 2>&1 &
MANAGER_PID=$!
export FORKV_SOCKET=ipc://$WORK/run/manager.sock
for _ in $(seq 1 200); do
  "$BUILD/bin/forkv" ping >/dev/null 2>&1 && break
  sleep 0.05
done
"$BUILD/bin/forkv" ping >/dev/null || { cat "$WORK/manager.log"; fail "manager did not start"; }
export LD_LIBRARY_PATH=$LIBDIR
out=$("$WORK/cmake/hello") || fail "hello (cmake) failed: $out"
[[ $out == *"alice = 42"* && $out == *"after del: not_found"* ]] || fail "hello printed: $out"
out=$("$WORK/hello-pc") || fail "hello (pkg-config) failed: $out"
out=$("$WORK/cmake/pipeline" pipe 500) || fail "pipeline failed: $out"
[[ $out == *"500 puts and gets, 0 failed; pipe holds 500 keys"* ]] || fail "pipeline printed: $out"
# The installed binary resolves libforkv from the DESTDIR, not the build tree.
[[ $(ldd "$WORK/cmake/hello") == *"$LIBDIR/libforkv.so.0"* ]] || fail "hello is not linked to the installed library"
# The README's Python lines, with the installed package.
out=$(PYTHONPATH=${PYDIR%/forkv} /usr/bin/python3 -c '
import forkv
c = forkv.Client()
c.put("users", "alice", b"42")
assert c.get("users", "alice") == b"42"
print(forkv.__file__)') || fail "the README Python example failed: $out"
[[ $out == "$PYDIR/__init__.py" ]] || fail "python imported $out, not the installed package"
echo "examples_test: ok"
