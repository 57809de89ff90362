# The Debian packages WsKit needs to build, test and benchmark; sourced by the
# scripts next to it. Installs only what is missing (apt-get, as root).
wskit_packages=(
    build-essential cmake ninja-build clang libclang-rt-14-dev zlib1g-dev pkg-config
    qt6-base-dev qt6-declarative-dev qt6-declarative-dev-tools qml6-module-qttest qml6-module-qtquick
    qml6-module-qtquick-window qt6-websockets-dev qml6-module-qtwebsockets
    qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-templates
    qml6-module-qtqml-workerscript
    libgl-dev libegl-dev libbenchmark-dev
    python3 python3-websockets openssl tinyproxy microsocks chromium
    libhiredis-dev redis-server nginx
)

wskit_install_dependencies() {
    local missing=()
    for package in "${wskit_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    # Node.js may come from elsewhere with npm inside; Debian splits them.
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    if ((${#missing[@]})); then
        echo "Installing: ${missing[*]}"
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}
