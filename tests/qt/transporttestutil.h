#pragma once
// What the tests need to know about the transport under a Connection, whichever
// it is (CTest runs every Qt-layer suite with WSKIT_TRANSPORT unset, the socket
// descriptor, and with WSKIT_TRANSPORT=socket, Qt's socket): what the kernel
// holds for it, read through its socket descriptor (Linux).

#include <WsKit/connection.h>

#include <QtCore/QtGlobal>
#include <QtNetwork/QTcpSocket>

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace TransportTest {

// Whether plain TCP connections run on their descriptor (not Qt's socket) in this run.
inline bool descriptorTransport()
{
    return qEnvironmentVariable("WSKIT_TRANSPORT") != QLatin1String("socket");
}

// Bytes the peer sent that the connection has not read yet: in Qt's socket buffer
// (Socket transport) and in the kernel.
inline qint64 unreadBytes(const WsKit::Connection *connection)
{
    int queued = 0;
    if (ioctl(int(connection->socketDescriptor()), FIONREAD, &queued) != 0)
        queued = 0;
    const QTcpSocket *socket = connection->socket();
    return queued + (socket ? socket->bytesAvailable() : 0);
}

// Bytes the connection has handed to the kernel so far: acknowledged by the peer,
// or still in the send queue. -1 once the connection has no descriptor.
inline qint64 bytesHandedToKernel(const WsKit::Connection *connection)
{
    const int descriptor = int(connection->socketDescriptor());
    tcp_info info{};
    socklen_t size = sizeof info;
    int queued = 0;
    if (getsockopt(descriptor, IPPROTO_TCP, TCP_INFO, &info, &size) != 0
        || ioctl(descriptor, SIOCOUTQ, &queued) != 0)
        return -1;
    return qint64(info.tcpi_bytes_acked) + queued;
}

// Whether TCP_NODELAY is set on the connection's socket.
inline bool noDelay(const WsKit::Connection *connection)
{
    int value = 0;
    socklen_t size = sizeof value;
    getsockopt(int(connection->socketDescriptor()), IPPROTO_TCP, TCP_NODELAY, &value, &size);
    return value != 0;
}

// TCP segments the connection's socket has sent so far; -1 without a descriptor.
inline qint64 segmentsSent(const WsKit::Connection *connection)
{
    tcp_info info{};
    socklen_t size = sizeof info;
    if (getsockopt(int(connection->socketDescriptor()), IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return -1;
    return info.tcpi_segs_out;
}

} // namespace TransportTest
