#!/usr/bin/env bash
# Installs the Debian packages forkv needs, only those that are missing.
# Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail
pkgs=(g++ make cmake pkg-config libzmq3-dev libsodium-dev cppzmq-dev libmsgpack-cxx-dev libboost-dev
      libgtest-dev googletest libcli11-dev libspdlog-dev nlohmann-json3-dev libxxhash-dev
      librocksdb-dev libsystemd-dev libcpp-httplib-dev python3 python3-zmq python3-msgpack "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
