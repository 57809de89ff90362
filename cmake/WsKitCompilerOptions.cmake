# Warning and sanitizer flags shared by every target of this project (not exported).
add_library(wskit_compiler_options INTERFACE)
target_compile_options(wskit_compiler_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual
    # Qt Test's QTEST_*_MAIN macros pass no variadic arguments.
    $<$<CXX_COMPILER_ID:Clang>:-Wno-gnu-zero-variadic-macro-arguments>
    $<$<BOOL:${WSKIT_WERROR}>:-Werror>)
if(WSKIT_SANITIZE)
    target_compile_options(wskit_compiler_options INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(wskit_compiler_options INTERFACE -fsanitize=address,undefined)
endif()
