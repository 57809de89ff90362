#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (run as root), then configures, builds and runs
# every WsKit test with CTest, and builds the API reference. Safe to run again: it
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/dependencies.sh
wskit_install_dependencies

build=${WSKIT_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSKIT_WERROR=ON
cmake --build "$build" --parallel
ctest --test-dir "$build" --output-on-failure --parallel 2 --timeout 600
# The API reference: fails on any undocumented public name.
cmake --build "$build" --target docs
