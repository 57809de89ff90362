cmake_minimum_required(VERSION 3.25)
# CTest driver: the README's complete C++ programs (its cpp blocks that have a main())
# built exactly as shown, and its QML files (qml blocks that import WsKit) loaded as
# shown, against WsKit installed into a scratch prefix, as a user's project would.
file(REMOVE_RECURSE ${SCRATCH_DIR})

# Writes the blocks of this language whose text matches `wanted` into
# SCRATCH_DIR/snippets/readme_<language>_<n>.<extension>; sets <language>_count.
# Not with list operations: code is full of the semicolons CMake splits lists on.
function(extract_blocks language extension wanted)
    file(READ ${SOURCE_DIR}/README.md text)
    set(fence "```")
    set(count 0)
    while(TRUE)
        string(FIND "${text}" "${fence}${language}\n" start)
        if(start EQUAL -1)
            break()
        endif()
        string(LENGTH "${fence}${language}\n" opening)
        math(EXPR start "${start} + ${opening}")
        string(SUBSTRING "${text}" ${start} -1 text)
        string(FIND "${text}" "${fence}" end)
        string(SUBSTRING "${text}" 0 ${end} code)
        string(SUBSTRING "${text}" ${end} -1 text)
        if(code MATCHES "${wanted}")
            math(EXPR count "${count} + 1")
            file(WRITE ${SCRATCH_DIR}/snippets/readme_${language}_${count}.${extension} "${code}")
        endif()
    endwhile()
    set(${language}_count ${count} PARENT_SCOPE)
endfunction()

extract_blocks(cpp cpp "int main\\(")
if(cpp_count LESS 2)
    message(FATAL_ERROR "README.md shows ${cpp_count} complete C++ programs; the front page has a server and a client")
endif()
if("Qml" IN_LIST COMPONENTS)
    extract_blocks(qml qml "import WsKit")
    if(qml_count LESS 1)
        message(FATAL_ERROR "README.md shows no QML that imports WsKit; the front page has a client")
    endif()
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${SCRATCH_DIR}/prefix
                OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/readme -B ${SCRATCH_DIR}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${SCRATCH_DIR}/prefix "-DWSKIT_COMPONENTS=${COMPONENTS}"
                        -DSNIPPET_DIR=${SCRATCH_DIR}/snippets
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER} "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}"
                        "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}"
                COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${SCRATCH_DIR}/build COMMAND_ERROR_IS_FATAL ANY)
if("Qml" IN_LIST COMPONENTS)
    file(GLOB qml_files ${SCRATCH_DIR}/snippets/*.qml)
    execute_process(COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                            ${SCRATCH_DIR}/build/qml_loader ${qml_files}
                    COMMAND_ERROR_IS_FATAL ANY)
endif()
