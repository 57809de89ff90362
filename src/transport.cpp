#include "transport_p.h"

#include "descriptortransport_p.h"
#include "sockettransport_p.h"

#include <QtCore/QtGlobal>

namespace WsKit {

Transport::~Transport() = default;

Transport::Kind Transport::preferredKind()
{
#if defined(Q_OS_UNIX)
    // WSKIT_TRANSPORT=socket keeps every connection on Qt's socket: the tests run
    // every suite both ways, and an application can rule the descriptor out.
    static const Kind kind =
        qEnvironmentVariable("WSKIT_TRANSPORT") == QLatin1String("socket") ? Kind::Socket : Kind::Descriptor;
    return kind;
#else
    // Elsewhere (Windows) Qt's socket carries every connection.
    return Kind::Socket;
#endif
}

std::unique_ptr<Transport> Transport::create(QTcpSocket *socket, QObject *owner, TransportEvents *events)
{
#if defined(Q_OS_UNIX)
    if (preferredKind() == Kind::Descriptor) {
        if (std::unique_ptr<Transport> direct = DescriptorTransport::adopt(socket, owner, events))
            return direct;
    }
#endif
    return std::make_unique<SocketTransport>(socket, owner, events);
}

} // namespace WsKit
