// The Dialer against QtWebSockets' QWebSocketServer, in this process: ws and
// wss, its subprotocol choice, what it saw of the request, and closing in
// both directions with codes and reasons.

#include "clientinterop.h"

#include <WsKit/dialer.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslSocket>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

using namespace ClientInterop;
using WsKit::Dialer;

namespace {

// A QWebSocketServer on 127.0.0.1 that echoes, keeping its sockets.
class QtEchoServer
{
public:
    explicit QtEchoServer(QWebSocketServer::SslMode mode)
        : server(QStringLiteral("interop"), mode)
    {
        server.setSupportedSubprotocols({QStringLiteral("chat"), QStringLiteral("superchat")});
        QObject::connect(&server, &QWebSocketServer::newConnection, &server, [this] {
            while (QWebSocket *socket = server.nextPendingConnection()) {
                socket->setParent(&server);
                sockets.append(socket);
                QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                                 [socket](const QString &text) { socket->sendTextMessage(text); });
                QObject::connect(socket, &QWebSocket::binaryMessageReceived, socket,
                                 [socket](const QByteArray &data) { socket->sendBinaryMessage(data); });
            }
        });
    }

    QWebSocketServer server;
    QList<QWebSocket *> sockets;
};

} // namespace

class tst_ClientQtWebSockets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void echoes();
    void requestAsTheServerSawIt();
    void serverCloses();
    void clientCloses();
    void tls();

private:
    QTemporaryDir m_dir;
    TestPki m_pki;
};

void tst_ClientQtWebSockets::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_pki.make(m_dir.path()), qPrintable(m_pki.error));
}

void tst_ClientQtWebSockets::echoes()
{
    QtEchoServer peer(QWebSocketServer::NonSecureMode);
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(peer.server.serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    checkEchoes(connection);
    delete connection;
}

void tst_ClientQtWebSockets::requestAsTheServerSawIt()
{
    QtEchoServer peer(QWebSocketServer::NonSecureMode);
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    dialer.setSubprotocols({QStringLiteral("superchat"), QStringLiteral("other")});
    Connection *connection = dialer.dial(
        QUrl(QStringLiteral("ws://127.0.0.1:%1/qt/path?k=v").arg(peer.server.serverPort())),
        {{"Origin", "http://qt.example"}}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->subprotocol(), QStringLiteral("superchat"));
    QVERIFY(spinUntil([&] { return peer.sockets.size() == 1; }));
    QWebSocket *accepted = peer.sockets.first();
    QCOMPARE(accepted->subprotocol(), QStringLiteral("superchat"));
    QCOMPARE(accepted->origin(), QStringLiteral("http://qt.example"));
    QCOMPARE(accepted->requestUrl().path(), QStringLiteral("/qt/path"));
    QCOMPARE(accepted->requestUrl().query(), QStringLiteral("k=v"));
    delete connection;
}

void tst_ClientQtWebSockets::serverCloses()
{
    QtEchoServer peer(QWebSocketServer::NonSecureMode);
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(peer.server.serverPort())), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QVERIFY(spinUntil([&] { return peer.sockets.size() == 1; }));
    QSignalSpy closed(connection, &Connection::closed);
    peer.sockets.first()->close(QWebSocketProtocol::CloseCode(4000), QStringLiteral("done for today"));
    QVERIFY(closed.wait(5000));
    QCOMPARE(closed.first().at(0).toInt(), 4000);
    QCOMPARE(closed.first().at(1).toString(), QStringLiteral("done for today"));
    QCOMPARE(connection->error(), Connection::Error::NoError);
    delete connection;
}

void tst_ClientQtWebSockets::clientCloses()
{
    QtEchoServer peer(QWebSocketServer::NonSecureMode);
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(peer.server.serverPort())), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QVERIFY(spinUntil([&] { return peer.sockets.size() == 1; }));
    QWebSocket *accepted = peer.sockets.first();
    QSignalSpy disconnected(accepted, &QWebSocket::disconnected);
    QCOMPARE(closeAndWait(connection), 1000);
    QVERIFY(disconnected.size() == 1 || disconnected.wait(5000));
    QCOMPARE(accepted->closeCode(), QWebSocketProtocol::CloseCodeNormal);
    QCOMPARE(accepted->closeReason(), QStringLiteral("bye"));
    delete connection;
}

void tst_ClientQtWebSockets::tls()
{
    QtEchoServer peer(QWebSocketServer::SecureMode);
    QSslConfiguration serverTls = QSslConfiguration::defaultConfiguration();
    serverTls.setLocalCertificate(m_pki.server);
    serverTls.setPrivateKey(m_pki.serverKey);
    serverTls.setPeerVerifyMode(QSslSocket::VerifyNone);
    peer.server.setSslConfiguration(serverTls);
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificate(m_pki.ca);
    dialer.setSslConfiguration(tls);
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(peer.server.serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    checkEchoes(connection);
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

QTEST_MAIN(tst_ClientQtWebSockets)
#include "tst_client_qtwebsockets.moc"
