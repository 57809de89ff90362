#pragma once
// HttpRequest's data: the head as received and who it came from
// (receivedRequest() in requestorigin_p.h fills in the latter).

#include <WsKit/Core/http.h>
#include <WsKit/httprequest.h>

#include <QtCore/QByteArray>
#include <QtNetwork/QHostAddress>

namespace WsKit {

struct HttpRequest::Private {
    Core::HttpRequestHead head;
    QHostAddress peerAddress; // the client's; null when not read from a socket
    quint16 peerPort = 0;
    bool secure = false;
    QByteArray host; // the Host field, unless a trusted proxy forwarded another
};

} // namespace WsKit
