#pragma once
// A log line that an attack can repeat thousands of times a second (a dropped
// handshake, accepting paused again) is written at most once per period: the
// first occurrence at once, then, while they keep coming, one summary per period
// with how many were left out.

#include <QtCore/QTimer>

#include <chrono>
#include <functional>

namespace WsKit {

class LogThrottle
{
public:
    // Logs the summary: count occurrences were left out over the last period.
    using Summary = std::function<void(int count, std::chrono::milliseconds period)>;

    // The timer is a child of owner, so it follows owner into another thread.
    LogThrottle(QObject *owner, std::chrono::milliseconds period, Summary summary);

    // Whether to log this occurrence now; if not, it is counted for the summary.
    bool admit();

private:
    QTimer *m_timer;
    Summary m_summary;
    int m_leftOut = 0;
};

} // namespace WsKit
