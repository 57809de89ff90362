# Toolchain file for the cross-CPU runs of the check program: Debian's cross
# compiler for WSKIT_CROSS_TRIPLET (e.g. aarch64-linux-gnu), zlib from the target's
# Debian package unpacked in WSKIT_CROSS_ZLIB (see scripts/dependencies.sh), and a
# static link, so qemu-user runs the program without the target's shared libraries.
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${WSKIT_CROSS_TRIPLET}")
set(CMAKE_CXX_COMPILER ${WSKIT_CROSS_TRIPLET}-g++)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WSKIT_CROSS_TRIPLET WSKIT_CROSS_ZLIB)
set(ZLIB_INCLUDE_DIR ${WSKIT_CROSS_ZLIB}/usr/include CACHE PATH "")
set(ZLIB_LIBRARY ${WSKIT_CROSS_ZLIB}/usr/lib/${WSKIT_CROSS_TRIPLET}/libz.a CACHE FILEPATH "")
