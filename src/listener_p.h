#pragma once
// Accepting connections without ever spinning. QTcpServer retries a failing
// accept on every event-loop pass, so a process out of descriptors burns a whole
// core while connections wait in the backlog. The Listener runs its own accept
// loop on the listening socket instead: when accept fails for lack of resources
// (EMFILE, ENFILE, ENOBUFS, ENOMEM) it stops watching the socket and retries
// after a delay that doubles from 5 ms to 1 s, as Go's net/http does, and
// resumes by itself once a retry succeeds.

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>
#include <QtCore/QSocketNotifier>

#include <chrono>
#include <functional>

namespace WsKit {

class Listener : public QObject
{
public:
    struct Handlers {
        // A connection was accepted: its descriptor, non-blocking and close-on-exec.
        std::function<void(qintptr descriptor)> accepted;
        // Accepting paused (reason says why) or resumed.
        std::function<void(const QString &reason)> paused;
        std::function<void()> resumed;
    };

    static constexpr std::chrono::milliseconds FirstRetryDelay{5};
    static constexpr std::chrono::milliseconds LastRetryDelay{1000};

    // Watches descriptor, a listening socket someone else owns (and closes after
    // deleting the Listener).
    Listener(qintptr descriptor, Handlers handlers, QObject *parent = nullptr);

    bool isPaused() const { return m_retry.isActive(); }

    // Raises the soft limit on open descriptors toward wanted, never past the hard
    // limit; returns the soft limit in force afterwards.
    static qint64 reserveDescriptors(qint64 wanted);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void acceptWaiting();

    qintptr m_descriptor;
    Handlers m_handlers;
    QSocketNotifier m_notifier;
    QBasicTimer m_retry;
    std::chrono::milliseconds m_retryDelay = FirstRetryDelay;
};

} // namespace WsKit
