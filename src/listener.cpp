#include "listener_p.h"

#include <QtCore/QPointer>
#include <QtCore/QTimerEvent>

#include <algorithm>
#include <cerrno>
#include <limits>

#include <sys/resource.h>
#include <sys/socket.h>

namespace WsKit {

namespace {

// Connections accepted per wake-up: a flood of connections waiting in the backlog
// then cannot starve the sockets already accepted; the notifier fires again.
constexpr int AcceptBatch = 32;

// Errors about one connection that failed before we took it (accept(2): treat
// them like EAGAIN and go on); the next one may be fine.
bool concernsOneConnection(int error)
{
    switch (error) {
    case EINTR:
    case ECONNABORTED:
    case EPERM: // refused by a firewall rule
    case EPROTO:
    case ENOPROTOOPT:
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ENONET:
    case EOPNOTSUPP:
        return true;
    default:
        return false;
    }
}

} // namespace

Listener::Listener(qintptr descriptor, Handlers handlers, QObject *parent)
    : QObject(parent)
    , m_descriptor(descriptor)
    , m_handlers(std::move(handlers))
    , m_notifier(descriptor, QSocketNotifier::Read)
{
    connect(&m_notifier, &QSocketNotifier::activated, this, &Listener::acceptWaiting);
}

qint64 Listener::reserveDescriptors(qint64 wanted)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    const rlim_t target = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(wanted));
    if (limit.rlim_cur < target) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = target;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
            limit.rlim_cur = before;
    }
    if (limit.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<qint64>::max();
    return static_cast<qint64>(limit.rlim_cur);
}

void Listener::acceptWaiting()
{
    const QPointer<Listener> guard(this);
    for (int i = 0; i < AcceptBatch; ++i) {
        const int descriptor = ::accept4(static_cast<int>(m_descriptor), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        const int error = descriptor < 0 ? errno : 0;
        if (descriptor < 0 && concernsOneConnection(error))
            continue;
        if (descriptor < 0 && error != EAGAIN && error != EWOULDBLOCK) {
            // Out of descriptors or memory (or worse): retrying at once would only
            // fail again, so wait; every retry that fails doubles the wait.
            m_notifier.setEnabled(false);
            const bool wasPaused = isPaused();
            m_retry.start(static_cast<int>(m_retryDelay.count()), this);
            m_retryDelay = std::min(m_retryDelay * 2, LastRetryDelay);
            if (!wasPaused && m_handlers.paused)
                m_handlers.paused(qt_error_string(error));
            return;
        }
        if (isPaused()) {
            m_retry.stop();
            m_retryDelay = FirstRetryDelay;
            m_notifier.setEnabled(true);
            if (m_handlers.resumed) {
                m_handlers.resumed();
                if (!guard)
                    return;
            }
        }
        if (descriptor < 0)
            return; // the backlog is empty
        m_handlers.accepted(descriptor);
        if (!guard)
            return;
    }
}

void Listener::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_retry.timerId())
        return QObject::timerEvent(event);
    acceptWaiting();
}

} // namespace WsKit
