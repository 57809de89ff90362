#include "heaptrim_p.h"

#include "logging_p.h"

#include <QtCore/QTimer>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace WsKit {

HeapTrimmer::HeapTrimmer(QObject *owner)
    : m_owner(owner)
{
}

void HeapTrimmer::connectionCountChanged(int count)
{
    m_count = count;
    m_peak = qMax(m_peak, count);
#if defined(__GLIBC__)
    if (m_peak - count < MinimumClosed || count > m_peak / 2) {
        if (m_timer)
            m_timer->stop(); // connections came back: nothing to give back now
        return;
    }
    if (!m_timer) {
        m_timer = new QTimer(m_owner);
        m_timer->setSingleShot(true);
        QObject::connect(m_timer, &QTimer::timeout, m_owner, [this] { trim(); });
    }
    // Restarted by every close: trims once the closing is over.
    m_timer->start(Delay);
#endif
}

void HeapTrimmer::trim()
{
#if defined(__GLIBC__)
    qCDebug(lcServer) << "connections fell from" << m_peak << "to" << m_count << "; returning free heap memory";
    malloc_trim(0);
    ++m_trims;
    m_peak = m_count;
#endif
}

} // namespace WsKit
