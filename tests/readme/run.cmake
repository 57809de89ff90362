cmake_minimum_required(VERSION 3.25)
# CTest driver: the README's complete C++ programs (its cpp blocks that have a main())
# built exactly as shown, against WsKit installed into a scratch prefix, as a user's
# project would build them.
file(REMOVE_RECURSE ${SCRATCH_DIR})

# Not with list operations: C++ is full of the semicolons CMake splits lists on.
file(READ ${SOURCE_DIR}/README.md text)
set(fence "```")
set(count 0)
while(TRUE)
    string(FIND "${text}" "${fence}cpp\n" start)
    if(start EQUAL -1)
        break()
    endif()
    math(EXPR start "${start} + 7")
    string(SUBSTRING "${text}" ${start} -1 text)
    string(FIND "${text}" "${fence}" end)
    string(SUBSTRING "${text}" 0 ${end} code)
    string(SUBSTRING "${text}" ${end} -1 text)
    if(code MATCHES "int main\\(")
        math(EXPR count "${count} + 1")
        file(WRITE ${SCRATCH_DIR}/snippets/readme_program_${count}.cpp "${code}")
    endif()
endwhile()
if(count LESS 2)
    message(FATAL_ERROR "README.md shows ${count} complete programs; the front page has a server and a client")
endif()
message(STATUS "building the README's ${count} programs")

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${SCRATCH_DIR}/prefix
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/readme -B ${SCRATCH_DIR}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${SCRATCH_DIR}/prefix -DSNIPPET_DIR=${SCRATCH_DIR}/snippets
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}"
                        "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}"
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH_DIR}/build COMMAND_ERROR_IS_FATAL ANY)
