#pragma once
// TCP client sockets on the POSIX API, for tests that need what QTcpSocket does
// not give: a descriptor that exists before connecting (made while descriptors
// are still free), blocking calls from any thread, many sockets in one poll().

#include <QtCore/QByteArray>

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace TestClient {

// A TCP socket bound to localAddress (any loopback address on Linux: 127.0.0.2
// plays a second host), -1 on failure.
inline int tcpSocket(const char *localAddress = "127.0.0.1", bool nonBlocking = false)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, localAddress, &local.sin_addr);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&local), sizeof local) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Connects fd to 127.0.0.1:port; a non-blocking fd may still be connecting.
inline bool connectLoopback(int fd, quint16 port)
{
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd, reinterpret_cast<const sockaddr *>(&server), sizeof server) == 0 || errno == EINPROGRESS;
}

class BlockingSocket
{
public:
    explicit BlockingSocket(const char *localAddress = "127.0.0.1")
        : m_fd(tcpSocket(localAddress))
    {
    }
    ~BlockingSocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    BlockingSocket(const BlockingSocket &) = delete;
    BlockingSocket &operator=(const BlockingSocket &) = delete;

    bool isValid() const { return m_fd >= 0; }
    bool connectTo(quint16 port) { return m_fd >= 0 && connectLoopback(m_fd, port); }

    bool send(const QByteArray &bytes)
    {
        return ::send(m_fd, bytes.constData(), std::size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }

    // The status code of the HTTP response head that arrives within timeoutMs,
    // 0 when none does.
    int responseStatus(int timeoutMs)
    {
        QByteArray received;
        while (!received.contains("\r\n")) {
            pollfd watched{m_fd, POLLIN, 0};
            if (::poll(&watched, 1, timeoutMs) <= 0)
                return 0;
            char bytes[512];
            const ssize_t size = ::recv(m_fd, bytes, sizeof bytes, 0);
            if (size <= 0)
                return 0;
            received.append(bytes, qsizetype(size));
        }
        // "HTTP/1.1 101 Switching Protocols"
        const QList<QByteArray> statusLine = received.left(received.indexOf("\r\n")).split(' ');
        return statusLine.size() >= 2 ? statusLine.at(1).toInt() : 0;
    }

private:
    int m_fd;
};

} // namespace TestClient
