#pragma once
/// @file
/// Qt HTTP Server on a WsKit Server's port (the optional WsKit::HttpServer component).

#include <WsKit/HttpServer/wskithttpserver_export.h>

#include <QtCore/QtGlobal>

QT_BEGIN_NAMESPACE
class QAbstractHttpServer;
QT_END_NAMESPACE

namespace WsKit {

class Server;

/// Serves every request on server's port that is not a WebSocket upgrade with
/// httpServer's routes (its pages, its REST API), while upgrades stay with server.
///
/// Each connection is routed on its first request: an upgrade goes to server's
/// Upgrader; anything else hands the connection, with that request still unread, to
/// httpServer, which keeps it from then on (keep-alive, pipelined requests, its own
/// 404). An upgrade request later on such a connection is httpServer's to answer:
/// Qt 6.4 answers it with its missing handler (404) and closes the connection.
/// Browsers and WebSocket clients open a new connection for each WebSocket.
///
/// httpServer reads each request itself: behind a reverse proxy its
/// QHttpServerRequest::remoteAddress() is the proxy's, whatever
/// Server::setTrustedProxies() says.
///
/// Works for plain and TLS servers (server's QSslServer does the TLS handshake;
/// httpServer needs no TLS setup of its own). Both must live in the same thread.
/// Replaces server's HTTP socket handler; returns false and changes nothing when
/// either pointer is null. When httpServer is deleted, server answers with its own
/// HTTP handler again.
///
/// Qt logs once that the server it binds "is not listening": it is the hand-over
/// point named "WsKit::Server hand-over", which never listens by design.
WSKIT_HTTPSERVER_EXPORT bool bindHttpServer(Server *server, QAbstractHttpServer *httpServer);

} // namespace WsKit
