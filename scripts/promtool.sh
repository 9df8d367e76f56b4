#!/usr/bin/env bash
# Prints the path of a promtool (Prometheus's exposition-format checker) for
# the tests: the installed one, else the binary taken out of Debian's
# prometheus package into build/tools (downloaded once, never installed: no
# Prometheus server is set up).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
tool=build/tools/usr/bin/promtool
if [ ! -x "$tool" ]; then
  mkdir -p build/tools/deb
  (cd build/tools/deb && { apt-get download prometheus >/dev/null 2>&1 ||
    { sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"; $sudo apt-get update -qq &&
      apt-get download prometheus >/dev/null 2>&1; }; })
  dpkg-deb -x build/tools/deb/prometheus_*.deb build/tools/x
  mkdir -p build/tools/usr/bin
  mv build/tools/x/usr/bin/promtool "$tool"
  rm -rf build/tools/x build/tools/deb
fi
echo "$PWD/$tool"
