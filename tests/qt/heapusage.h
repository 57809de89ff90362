#pragma once
// Bytes the process has allocated and not yet freed, as its allocator counts them:
// glibc's statistics, or the sanitizer's allocator under AddressSanitizer.

#include <QtCore/QtGlobal>

#if defined(__SANITIZE_ADDRESS__)
#define WSKIT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSKIT_TEST_ASAN 1
#endif
#endif

#ifdef WSKIT_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

namespace TestClient {

inline qint64 heapInUse()
{
#ifdef WSKIT_TEST_ASAN
    return qint64(__sanitizer_get_current_allocated_bytes());
#else
    const struct mallinfo2 info = mallinfo2();
    return qint64(info.uordblks + info.hblkhd);
#endif
}

} // namespace TestClient
