// Proves WsKit::Core needs no Qt, and checks the core on whatever CPU it was built
// for (the cross builds run it under qemu-user on aarch64 and big-endian s390x):
// masking at every alignment and phase, UTF-8, frame headers, deflate, and a client
// and a server core talking to each other. Exits 0 only if every check passed.
#if __has_include(<QtCore/qglobal.h>) || __has_include(<qglobal.h>)
#error "a Qt include directory is on the core's include path"
#endif

#include "check.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

int main()
{
    const std::uint16_t one = 1;
    unsigned char first = 0;
    std::memcpy(&first, &one, 1);
    std::printf("core check: %zu-bit %s-endian\n", sizeof(void *) * 8, first ? "little" : "big");

    struct Section {
        const char *name;
        void (*run)();
    };
    const Section sections[] = {
        {"masking", CoreCheck::checkMasking}, {"utf8", CoreCheck::checkUtf8},
        {"frames", CoreCheck::checkFrames},   {"deflate", CoreCheck::checkDeflate},
        {"protocol", CoreCheck::checkProtocol},
    };
    int passed = 0;
    int failed = 0;
    for (const Section &section : sections) {
        const int before = CoreCheck::failures();
        section.run();
        const bool ok = CoreCheck::failures() == before;
        std::printf("%s %s\n", ok ? "ok  " : "FAIL", section.name);
        (ok ? passed : failed)++;
    }
    std::printf("core check: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
