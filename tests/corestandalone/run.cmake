cmake_minimum_required(VERSION 3.25)
# CTest driver: configure, build and run tests/corestandalone in a scratch directory,
# natively, or with TRIPLET, ZLIB and EMULATOR set: cross-built for that target and
# run under its qemu-user emulator.
file(REMOVE_RECURSE ${BINARY_DIR})
set(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/corestandalone -B ${BINARY_DIR} -G Ninja
              -DWSKIT_SOURCE_DIR=${SOURCE_DIR} -DWSKIT_WERROR=ON)
if(TRIPLET)
    list(APPEND configure -DCMAKE_TOOLCHAIN_FILE=${SOURCE_DIR}/tests/corestandalone/cross.cmake
         -DWSKIT_CROSS_TRIPLET=${TRIPLET} -DWSKIT_CROSS_ZLIB=${ZLIB})
else()
    list(APPEND configure -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(LAUNCHER)
    list(APPEND configure -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
execute_process(COMMAND ${configure} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${EMULATOR} ${BINARY_DIR}/core_without_qt COMMAND_ERROR_IS_FATAL ANY)
