#pragma once
// One client opening handshake in flight (RFC 6455 §4.1): connects (through a
// proxy and TLS when asked), sends the request, reads the response, and then
// either hands the socket to its Connection or fails the Connection.

#include "responsebody_p.h"

#include <WsKit/Core/deflatenegotiation.h>
#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/connection.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtNetwork/QAbstractSocket>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslConfiguration>

#include <chrono>
#include <optional>

QT_BEGIN_NAMESPACE
class QSslSocket;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

Q_DECLARE_LOGGING_CATEGORY(lcDialer)

class ConnectionPrivate;

// What dial() settled from the URL and the Dialer before any I/O.
struct DialRequest {
    QString host; // for connectToHost(): an IPv6 literal without brackets
    quint16 port = 0;
    bool secure = false;
    QUrl cookieUrl; // the URL as http:// or https://, as cookie jars know it
    Core::ClientRequest request;
    Core::DeflateConfig deflate; // what request.extensions offers
};

struct DialSettings {
    QSslConfiguration sslConfiguration;
    QNetworkProxy proxy;
    QPointer<QNetworkCookieJar> cookieJar;
    std::chrono::milliseconds handshakeTimeout;
    qsizetype maxHeadSize;
};

// A child of its Connection, so deleting or aborting the Connection cancels it.
// Signals of the Connection are emitted from queued calls, never from inside a
// socket's signal, so a receiver may delete the Connection.
class DialOperation : public QObject
{
public:
    DialOperation(Connection *connection, DialRequest request, DialSettings settings);
    ~DialOperation() override;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class Phase {
        Connecting,  // name lookup, TCP, proxy and TLS
        ReadingHead, // the request was sent
        ReadingBody, // the server refused; keeping the start of its body
        Done,
    };

    void start();
    void sendRequest();
    void readResponse();
    void readHead();
    void onHeadComplete();
    void readBody();
    void onSocketError(QAbstractSocket::SocketError socketError);
    void onSslErrors(const QList<QSslError> &errors);
    void onDisconnected();
    bool isProxied() const;
    void storeCookies(const Core::HttpHeaders &headers);
    void succeed(const Core::ServerAcceptance &acceptance, const std::optional<Core::DeflateParameters> &deflate);
    void refuse();
    void fail(Connection::Error error, const QString &text);
    // Detaches the socket, aborts it and deletes it from the event loop: this may
    // run inside one of its signals.
    void releaseSocket();

    Connection *m_connection;
    ConnectionPrivate *m_connectionPrivate;
    DialRequest m_request;
    DialSettings m_settings;
    QByteArray m_requestBytes;
    QTcpSocket *m_socket = nullptr;
    QSslSocket *m_sslSocket = nullptr; // m_socket for wss
    Core::HttpHeadParser m_parser;
    std::optional<ResponseBodyStart> m_body;
    QList<QSslError> m_sslErrors;
    QBasicTimer m_timer;
    QDeadlineTimer m_deadline;
    Phase m_phase = Phase::Connecting;
};

} // namespace WsKit
