# Installs Node's ws into NODE_DIR/node_modules for the compression interop tests.
# Run by CTest as a fixture, so the tests always use the pinned version.
if(EXISTS "${NODE_DIR}/node_modules/ws/package.json")
    return()
endif()
file(MAKE_DIRECTORY "${NODE_DIR}")
execute_process(COMMAND "${NPM}" install --no-audit --no-fund --no-package-lock --loglevel=error
                        --prefix "${NODE_DIR}" "ws@8.18.0"
                RESULT_VARIABLE result TIMEOUT 300)
if(NOT result EQUAL 0 OR NOT EXISTS "${NODE_DIR}/node_modules/ws/package.json")
    message(FATAL_ERROR "npm install ws failed (${result})")
endif()
