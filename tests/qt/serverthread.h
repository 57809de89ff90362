#pragma once
// A Server in a thread of its own, for tests whose clients block (raw sockets, an
// attacker thread) or that measure the server's thread alone: its CPU time and how
// often its event loop wakes up.

#include <WsKit/server.h>

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QCoreApplication>
#include <QtCore/QThread>
#include <QtNetwork/QSslConfiguration>

#include <atomic>
#include <ctime>
#include <functional>

#include <pthread.h>

namespace TestClient {

class ServerThread
{
public:
    ServerThread()
    {
        // A Server loads the TLS backend (it keeps a QSslConfiguration), and OpenSSL
        // keeps per-thread state that a QThread frees only after wait() returned,
        // too late for LeakSanitizer: so it is loaded here, in the main thread.
        const QSslConfiguration loadsTls;
        m_thread.start();
        m_context.moveToThread(&m_thread);
        run([this] {
            server = new WsKit::Server;
            pthread_getcpuclockid(pthread_self(), &m_cpuClock);
            QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::awake, &m_context,
                             [this] { m_wakeUps.fetch_add(1, std::memory_order_relaxed); }, Qt::DirectConnection);
        });
    }

    ~ServerThread()
    {
        run([this] {
            delete server;
            QAbstractEventDispatcher::instance()->disconnect(&m_context);
            m_context.moveToThread(QCoreApplication::instance()->thread());
        });
        m_thread.quit();
        m_thread.wait();
    }

    ServerThread(const ServerThread &) = delete;
    ServerThread &operator=(const ServerThread &) = delete;

    // Runs work in the server's thread and waits for it.
    void run(const std::function<void()> &work)
    {
        QMetaObject::invokeMethod(&m_context, work, Qt::BlockingQueuedConnection);
    }

    // Runs slot in the server's thread whenever the server emits signal.
    template <typename Signal, typename Slot>
    void onSignal(Signal signal, Slot slot)
    {
        run([&] { QObject::connect(server, signal, &m_context, slot, Qt::DirectConnection); });
    }

    quint16 listen()
    {
        quint16 port = 0;
        run([&] {
            if (server->listen(QHostAddress::LocalHost, 0))
                port = server->serverPort();
        });
        return port;
    }

    // CPU time the server's thread has used, in seconds.
    double cpuSeconds() const
    {
        timespec used{};
        clock_gettime(m_cpuClock, &used);
        return double(used.tv_sec) + double(used.tv_nsec) / 1e9;
    }

    // Times the server's event loop woke up.
    int wakeUps() const { return m_wakeUps.load(std::memory_order_relaxed); }

    WsKit::Server *server = nullptr; // lives in the server's thread

private:
    QThread m_thread;
    QObject m_context; // lives in the server's thread
    clockid_t m_cpuClock{};
    std::atomic<int> m_wakeUps{0};
};

} // namespace TestClient
