#include "httphandover_p.h"

#include <WsKit/HttpServer/bindhttpserver.h>
#include <WsKit/server.h>

#include <QtCore/QPointer>
#include <QtHttpServer/QAbstractHttpServer>
#include <QtNetwork/QTcpSocket>

namespace WsKit {

bool bindHttpServer(Server *server, QAbstractHttpServer *httpServer)
{
    if (!server || !httpServer)
        return false;
    // A child of httpServer (bind() reparents it): it goes when httpServer does.
    auto *handover = new HttpHandover;
    httpServer->bind(handover);
    server->setHttpSocketHandler([handover = QPointer<HttpHandover>(handover)](QTcpSocket *socket, const HttpRequest &) {
        if (!handover)
            return false;
        handover->handOver(socket);
        return true;
    });
    return true;
}

} // namespace WsKit
