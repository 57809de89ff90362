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

    // ws://127.0.0.1:<port><path>, for a server listening in NonSecureMode.
    QUrl url(const QString &path = QStringLiteral("/")) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(server.serverPort()).arg(path));
    }

    // The socket of the one connection accepted, once it is there; nullptr
    // when it does not come.
    QWebSocket *waitForSocket()
    {
        return spinUntil([this] { return sockets.size() == 1; }) ? sockets.first() : nullptr;
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
    Connection *connection = dialer.dial(peer.url(), {}, this);
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
    Connection *connection =
        dialer.dial(peer.url(QStringLiteral("/qt/path?k=v")), {{"Origin", "http://qt.example"}}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->subprotocol(), QStringLiteral("superchat"));
    QWebSocket *accepted = peer.waitForSocket();
    QVERIFY(accepted);
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
    Connection *connection = dialer.dial(peer.url(), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QWebSocket *accepted = peer.waitForSocket();
    QVERIFY(accepted);
    QSignalSpy closed(connection, &Connection::closed);
    accepted->close(QWebSocketProtocol::CloseCode(4000), QStringLiteral("done for today"));
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
    Connection *connection = dialer.dial(peer.url(), {}, this);
    QVERIFY(waitForOutcome(connection).opened);
    QWebSocket *accepted = peer.waitForSocket();
    QVERIFY(accepted);
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
    peer.server.setSslConfiguration(TestPki::serverConfiguration(m_pki.server, m_pki.serverKey));
    QVERIFY(peer.server.listen(QHostAddress::LocalHost));
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
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
