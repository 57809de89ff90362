#pragma once
// The check program's one assertion: prints what failed and counts it, so a run
// under an emulator reports every failure at once.

#include <cstdio>

namespace CoreCheck {

inline int &failures()
{
    static int count = 0;
    return count;
}

inline void expect(bool condition, const char *what, long long detail = 0)
{
    if (condition)
        return;
    ++failures();
    std::printf("FAIL: %s (%lld)\n", what, detail);
}

void checkMasking();
void checkUtf8();
void checkFrames();
void checkDeflate();
void checkProtocol();

} // namespace CoreCheck
