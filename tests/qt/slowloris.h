#pragma once
// A slowloris attacker in a thread: it holds `count` sockets to a server, sends
// one byte of a request head that never ends on each of them every `interval`,
// and opens a new socket at once whenever the server drops one.

#include "posixsocket.h"

#include <QtCore/QtGlobal>

#include <atomic>
#include <chrono>
#include <string_view>
#include <thread>
#include <vector>

namespace TestClient {

class Slowloris
{
public:
    Slowloris(quint16 port, int count, std::chrono::milliseconds interval)
        : m_port(port)
        , m_interval(interval)
        , m_sockets(std::size_t(count))
    {
        m_thread = std::thread([this] { run(); });
    }
    ~Slowloris()
    {
        m_stop = true;
        m_thread.join();
        for (const Socket &socket : m_sockets)
            ::close(socket.fd);
    }
    Slowloris(const Slowloris &) = delete;
    Slowloris &operator=(const Slowloris &) = delete;

    // Sockets the server dropped (and the attacker replaced) so far.
    int drops() const { return m_drops.load(); }

private:
    using Clock = std::chrono::steady_clock;
    struct Socket {
        int fd = -1;
        std::size_t sent = 0;
        Clock::time_point next;
    };

    static char byteAt(std::size_t index)
    {
        constexpr std::string_view head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        return index < head.size() ? head[index] : 'a';
    }

    void open(Socket &socket)
    {
        if (socket.fd >= 0)
            ::close(socket.fd);
        socket.fd = tcpSocket("127.0.0.1", true);
        connectLoopback(socket.fd, m_port);
        socket.sent = 0;
        socket.next = Clock::now();
    }

    void run()
    {
        for (Socket &socket : m_sockets)
            open(socket);
        std::vector<pollfd> watched(m_sockets.size());
        while (!m_stop) {
            for (std::size_t i = 0; i < m_sockets.size(); ++i)
                watched[i] = {m_sockets[i].fd, POLLIN, 0};
            ::poll(watched.data(), nfds_t(watched.size()), 10);
            const Clock::time_point now = Clock::now();
            for (std::size_t i = 0; i < m_sockets.size(); ++i) {
                Socket &socket = m_sockets[i];
                bool dropped = false;
                if (watched[i].revents != 0) {
                    char bytes[256];
                    const ssize_t size = ::recv(socket.fd, bytes, sizeof bytes, MSG_DONTWAIT);
                    dropped = size == 0 || (size < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
                }
                if (!dropped && now >= socket.next) {
                    const char byte = byteAt(socket.sent);
                    if (::send(socket.fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
                        ++socket.sent;
                        socket.next = now + m_interval;
                    } else {
                        // Still connecting: try again on the next round.
                        dropped = errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN;
                    }
                }
                if (dropped) {
                    ++m_drops;
                    open(socket);
                }
            }
        }
    }

    quint16 m_port;
    std::chrono::milliseconds m_interval;
    std::vector<Socket> m_sockets;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_drops{0};
    std::thread m_thread;
};

} // namespace TestClient
