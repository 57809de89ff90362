// ReconnectPolicy's back-off: the doubling sequence, its bounds, and the jitter's range.

#include <WsKit/reconnectpolicy.h>

#include <QtTest/QTest>

using namespace std::chrono_literals;
using WsKit::ReconnectPolicy;

class tst_ReconnectPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void doublesWithoutJitter();
    void jitterStaysWithinItsFraction();
    void neverOutsideMinAndMax();
    void hugeAttemptsStayAtMax();
    void settersKeepMinBelowMax();
    void outOfRangeInputsAreClamped();
};

void tst_ReconnectPolicy::defaults()
{
    const ReconnectPolicy policy;
    QVERIFY(!policy.isEnabled());
    QCOMPARE(policy.minDelay(), ReconnectPolicy::DefaultMinDelay);
    QCOMPARE(policy.maxDelay(), ReconnectPolicy::DefaultMaxDelay);
    QCOMPARE(policy.jitter(), ReconnectPolicy::DefaultJitter);
    QCOMPARE(policy.resetAfter(), ReconnectPolicy::DefaultResetAfter);
    QCOMPARE(policy.delay(1, 0.5), 1000ms);
}

void tst_ReconnectPolicy::doublesWithoutJitter()
{
    ReconnectPolicy policy;
    policy.setMinDelay(100ms);
    policy.setMaxDelay(1000ms);
    policy.setJitter(0);
    const QList<std::chrono::milliseconds> expected{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
    for (int attempt = 1; attempt <= expected.size(); ++attempt) {
        for (const double random : {0.0, 0.5, 0.999}) {
            QCOMPARE(policy.delay(attempt, random), expected[attempt - 1]);
        }
    }
}

void tst_ReconnectPolicy::jitterStaysWithinItsFraction()
{
    ReconnectPolicy policy;
    policy.setMinDelay(1000ms);
    policy.setMaxDelay(60000ms);
    policy.setJitter(0.25);
    // Attempt 3: 4000 ms, moved by up to a quarter either way.
    QCOMPARE(policy.delay(3, 0.0), 3000ms);
    QCOMPARE(policy.delay(3, 0.5), 4000ms);
    QCOMPARE(policy.delay(3, 1.0), 5000ms);
    // Evenly spread random numbers give evenly spread waits, all within the band.
    QList<qint64> waits;
    for (int step = 0; step < 100; ++step) {
        const auto wait = policy.delay(3, step / 100.0).count();
        QVERIFY2(wait >= 3000 && wait <= 5000, QByteArray::number(wait));
        waits.append(wait);
    }
    QVERIFY(std::is_sorted(waits.begin(), waits.end()));
    QCOMPARE(waits.first(), 3000);
    QCOMPARE(waits.at(50), 4000);
}

void tst_ReconnectPolicy::neverOutsideMinAndMax()
{
    ReconnectPolicy policy;
    policy.setMinDelay(500ms);
    policy.setMaxDelay(4000ms);
    policy.setJitter(1.0);
    for (int attempt = 1; attempt <= 10; ++attempt) {
        for (int step = 0; step <= 20; ++step) {
            const auto wait = policy.delay(attempt, step / 20.0);
            QVERIFY(wait >= 500ms);
            QVERIFY(wait <= 4000ms);
        }
    }
    // The first attempt can only be moved upwards, the last ones only downwards.
    QCOMPARE(policy.delay(1, 0.0), 500ms);
    QCOMPARE(policy.delay(1, 1.0), 1000ms);
    QCOMPARE(policy.delay(10, 0.0), 500ms);
    QCOMPARE(policy.delay(10, 1.0), 4000ms);
}

void tst_ReconnectPolicy::hugeAttemptsStayAtMax()
{
    ReconnectPolicy policy;
    policy.setJitter(0);
    for (const int attempt : {31, 32, 63, 64, 1000, std::numeric_limits<int>::max()})
        QCOMPARE(policy.delay(attempt, 0.5), ReconnectPolicy::DefaultMaxDelay);
    // Attempts below 1 count as the first.
    QCOMPARE(policy.delay(0, 0.5), ReconnectPolicy::DefaultMinDelay);
    QCOMPARE(policy.delay(-5, 0.5), ReconnectPolicy::DefaultMinDelay);
}

void tst_ReconnectPolicy::settersKeepMinBelowMax()
{
    ReconnectPolicy policy;
    policy.setMinDelay(60s);
    QCOMPARE(policy.minDelay(), 60s);
    QCOMPARE(policy.maxDelay(), 60s);
    policy.setMaxDelay(2s);
    QCOMPARE(policy.minDelay(), 2s);
    QCOMPARE(policy.maxDelay(), 2s);
    policy.setMinDelay(-1s);
    QCOMPARE(policy.minDelay(), 0ms);
    policy.setJitter(0);
    QCOMPARE(policy.delay(1, 0.5), 0ms);
    QCOMPARE(policy.delay(5, 0.5), 0ms);

    ReconnectPolicy copy = policy;
    copy.setEnabled(true);
    QVERIFY(!policy.isEnabled());
    QVERIFY(copy.isEnabled());
    QCOMPARE(copy.maxDelay(), 2s);
}

void tst_ReconnectPolicy::outOfRangeInputsAreClamped()
{
    ReconnectPolicy policy;
    policy.setJitter(7);
    QCOMPARE(policy.jitter(), 1.0);
    policy.setJitter(-1);
    QCOMPARE(policy.jitter(), 0.0);
    policy.setJitter(std::numeric_limits<double>::quiet_NaN());
    QCOMPARE(policy.jitter(), 0.0);
    policy.setJitter(0.5);
    policy.setMinDelay(1000ms);
    policy.setMaxDelay(8000ms);
    QCOMPARE(policy.delay(2, -3.0), 1000ms);
    QCOMPARE(policy.delay(2, 42.0), 3000ms);
    policy.setResetAfter(-5s);
    QCOMPARE(policy.resetAfter(), 0ms);
}

QTEST_APPLESS_MAIN(tst_ReconnectPolicy)
#include "tst_reconnectpolicy.moc"
