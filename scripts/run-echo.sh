#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (run as root), builds the echo example and
# starts it: open http://127.0.0.1:8080/ in a browser. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/dependencies.sh
wskit_install_dependencies

build=${WSKIT_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --parallel --target echo
echo "Open http://127.0.0.1:8080/ in a browser (Ctrl-C stops the server)."
exec "$build/examples/echo/echo"
