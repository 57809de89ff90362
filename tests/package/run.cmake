cmake_minimum_required(VERSION 3.25)
# CTest driver: install the build tree into a scratch prefix, then configure, build
# and run the consumer project against it.
file(REMOVE_RECURSE ${SCRATCH_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${SCRATCH_DIR}/prefix
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package -B ${SCRATCH_DIR}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${SCRATCH_DIR}/prefix "-DWSKIT_COMPONENTS=${COMPONENTS}"
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}"
                        "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}"
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH_DIR}/build COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${SCRATCH_DIR}/build/consumer_core COMMAND_ERROR_IS_FATAL ANY)
if("Qt" IN_LIST COMPONENTS)
    execute_process(COMMAND ${SCRATCH_DIR}/build/consumer_qt COMMAND_ERROR_IS_FATAL ANY)
endif()
if("Qml" IN_LIST COMPONENTS)
    execute_process(COMMAND ${SCRATCH_DIR}/build/consumer_qml COMMAND_ERROR_IS_FATAL ANY)
endif()
if("HttpServer" IN_LIST COMPONENTS)
    execute_process(COMMAND ${SCRATCH_DIR}/build/consumer_httpserver COMMAND_ERROR_IS_FATAL ANY)
endif()
