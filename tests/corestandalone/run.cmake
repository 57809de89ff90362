cmake_minimum_required(VERSION 3.25)
# CTest driver: configure, build and run tests/corestandalone in a scratch directory.
file(REMOVE_RECURSE ${BINARY_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/corestandalone -B ${BINARY_DIR} -G Ninja
                        -DWSKIT_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${BINARY_DIR}/core_without_qt COMMAND_ERROR_IS_FATAL ANY)
