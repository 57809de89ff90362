# The Debian packages WsKit needs to build, test and benchmark; sourced by the
# scripts next to it. Installs only what is missing (apt-get, as root).
wskit_packages=(
    build-essential cmake ninja-build clang libclang-rt-14-dev zlib1g-dev pkg-config
    qt6-base-dev qt6-declarative-dev qt6-declarative-dev-tools qml6-module-qttest qml6-module-qtquick
    qml6-module-qtquick-window qt6-websockets-dev qml6-module-qtwebsockets qt6-httpserver-dev doxygen
    qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-templates
    qml6-module-qtqml-workerscript
    libgl-dev libegl-dev libbenchmark-dev
    python3 python3-websockets openssl tinyproxy microsocks chromium
    qemu-user g++-aarch64-linux-gnu g++-s390x-linux-gnu
    libhiredis-dev redis-server nginx
)

# zlib for the core's cross-CPU checks (tests/corestandalone, built for aarch64 and
# big-endian s390x and run under qemu-user): the targets' Debian packages unpacked
# here, not installed. Installing zlib1g-dev:arm64 would pull in libc6:arm64, and
# with it move the host's own libc6 to that package's version.
wskit_cross_zlib_dir=/opt/wskit-cross-zlib
wskit_cross_architectures=(arm64 s390x)

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
    wskit_install_cross_zlib
}

wskit_install_cross_zlib() {
    local arch missing=()
    for arch in "${wskit_cross_architectures[@]}"; do
        [[ -f $wskit_cross_zlib_dir/$arch/usr/include/zlib.h ]] || missing+=("$arch")
    done
    ((${#missing[@]})) || return 0
    echo "Unpacking zlib1g-dev for: ${missing[*]}"
    for arch in "${missing[@]}"; do
        dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
    done
    apt-get update
    local scratch
    scratch=$(mktemp -d)
    chown _apt "$scratch" 2>/dev/null || true
    for arch in "${missing[@]}"; do
        (cd "$scratch" && apt-get download "zlib1g-dev:$arch")
        mkdir -p "$wskit_cross_zlib_dir/$arch"
        dpkg-deb -x "$scratch"/zlib1g-dev_*_"$arch".deb "$wskit_cross_zlib_dir/$arch"
    done
    rm -rf "$scratch"
}
