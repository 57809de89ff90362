#include "logthrottle_p.h"

namespace WsKit {

LogThrottle::LogThrottle(QObject *owner, std::chrono::milliseconds period, Summary summary)
    : m_timer(new QTimer(owner))
    , m_summary(std::move(summary))
{
    m_timer->setInterval(period);
    QObject::connect(m_timer, &QTimer::timeout, m_timer, [this] {
        if (m_leftOut == 0) {
            m_timer->stop(); // quiet for a whole period: the next one is logged at once
            return;
        }
        const int count = m_leftOut;
        m_leftOut = 0;
        m_summary(count, m_timer->intervalAsDuration());
    });
}

bool LogThrottle::admit()
{
    if (m_timer->isActive()) {
        ++m_leftOut;
        return false;
    }
    m_timer->start();
    return true;
}

} // namespace WsKit
