#pragma once
// HttpRequest's data: the head as received and who it came from (the socket's
// peer; receivedRequest() in requestorigin_p.h puts a trusted proxy's client in).

#include <WsKit/Core/http.h>
#include <WsKit/httprequest.h>

#include <QtCore/QByteArray>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslConfiguration>

namespace WsKit {

struct HttpRequest::Private {
    Core::HttpRequestHead head;
    QHostAddress peerAddress; // the client's; null when not read from a socket
    quint16 peerPort = 0;
    QHostAddress socketPeerAddress; // the socket's peer: a trusted proxy, or the client
    quint16 socketPeerPort = 0;
    bool secure = false;
    QByteArray host; // the Host field, unless a trusted proxy forwarded another
    QSslConfiguration sslConfiguration; // null unless the socket was encrypted
};

} // namespace WsKit
