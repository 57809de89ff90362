// The Server's heap trimming policy: memory goes back to the system once the
// connection count fell by at least HeapTrimmer::MinimumClosed and to half its
// peak or less, and stayed there; not while connections come back, and not after
// a few closed.

#include "../../src/heaptrim_p.h"

#include <QtTest/QtTest>

using WsKit::HeapTrimmer;

class tst_HeapTrim : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void trimsAfterManyClosed();
    void noTrimAfterFewClosed();
    void noTrimWhileConnectionsComeBack();
};

namespace {

#if defined(__GLIBC__)
constexpr int Expected = 1;
#else
constexpr int Expected = 0; // only glibc's heap is trimmed
#endif

void countUpAndDown(HeapTrimmer &trimmer, int peak, int low)
{
    for (int count = 1; count <= peak; ++count)
        trimmer.connectionCountChanged(count);
    for (int count = peak - 1; count >= low; --count)
        trimmer.connectionCountChanged(count);
}

} // namespace

void tst_HeapTrim::trimsAfterManyClosed()
{
    QObject owner;
    HeapTrimmer trimmer(&owner);
    countUpAndDown(trimmer, 3000, 10);
    QTRY_COMPARE_WITH_TIMEOUT(trimmer.trims(), Expected, 4 * HeapTrimmer::Delay);
    // The peak starts over from there: closing the last ten does not trim again.
    countUpAndDown(trimmer, 10, 0);
    QTest::qWait(HeapTrimmer::Delay + 500);
    QCOMPARE(trimmer.trims(), Expected);
}

void tst_HeapTrim::noTrimAfterFewClosed()
{
    QObject owner;
    HeapTrimmer trimmer(&owner);
    // 900 closed: fewer than MinimumClosed. 5000 to 3000: not half.
    countUpAndDown(trimmer, 1000, 100);
    countUpAndDown(trimmer, 5000, 3000);
    QTest::qWait(HeapTrimmer::Delay + 500);
    QCOMPARE(trimmer.trims(), 0);
}

void tst_HeapTrim::noTrimWhileConnectionsComeBack()
{
    QObject owner;
    HeapTrimmer trimmer(&owner);
    countUpAndDown(trimmer, 3000, 0);
    // They come back before the delay is over: nothing is trimmed.
    for (int count = 1; count <= 3000; ++count)
        trimmer.connectionCountChanged(count);
    QTest::qWait(HeapTrimmer::Delay + 500);
    QCOMPARE(trimmer.trims(), 0);
}

QTEST_GUILESS_MAIN(tst_HeapTrim)
#include "tst_heaptrim.moc"
