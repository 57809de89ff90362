#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (run as root), builds the chat example and
# starts it on 127.0.0.1: open the URL it prints in two browser windows. Safe to run
# again. CHAT_PORT chooses the port (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/dependencies.sh
wskit_install_dependencies

build=${WSKIT_BUILD_DIR:-build}
port=${CHAT_PORT:-8080}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --parallel --target chat
echo
echo "Open http://127.0.0.1:$port/ in two browser windows (Ctrl-C stops the server)."
exec "$build/examples/chat/chat" --bind 127.0.0.1 --port "$port"
