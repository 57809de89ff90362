# Installs Node's ws into NODE_DIR (node_modules/ws) for the client interop tests.
# Run by CTest as a fixture; fails loudly when npm is missing.
if(NOT NPM)
    message(FATAL_ERROR "npm was not found: install the Debian packages nodejs and npm")
endif()
if(EXISTS "${NODE_DIR}/node_modules/ws/package.json")
    return()
endif()
file(MAKE_DIRECTORY "${NODE_DIR}")
execute_process(COMMAND "${NPM}" install --no-audit --no-fund --prefix "${NODE_DIR}" "ws@8"
                RESULT_VARIABLE result TIMEOUT 300)
if(NOT result EQUAL 0 OR NOT EXISTS "${NODE_DIR}/node_modules/ws/package.json")
    message(FATAL_ERROR "npm install ws failed (${result})")
endif()
