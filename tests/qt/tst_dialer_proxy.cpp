// The Dialer through real proxies started on 127.0.0.1: tinyproxy for HTTP
// CONNECT (with and without Basic authentication, and refusing a port) and
// microsocks for SOCKS5; the application-wide proxy; and a raw proxy that shows
// the CONNECT line, with the default ports filled in.

#include "dialertestutil.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkProxy>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::Dialer;
using WsKit::Server;

namespace {

const QString Tinyproxy = QStringLiteral("/usr/bin/tinyproxy");
const QString Microsocks = QStringLiteral("/usr/bin/microsocks");

// Opens, echoes one message and closes; fails the test otherwise.
void expectEcho(Connection *connection)
{
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    // The descriptor leads to the proxy, not the peer: Qt's socket stays in charge.
    QVERIFY(connection->socket());
    QVERIFY(connection->sendText(QStringLiteral("through the proxy")));
    QCOMPARE(nextText(connection), QStringLiteral("through the proxy"));
    QCOMPARE(closeAndWait(connection), 1000);
}

// With the right credentials the dial through the proxy opens and echoes;
// otherwise the proxy refuses it: ProxyError, and closed() once.
void expectAuthenticationOutcome(Connection *connection, bool opens)
{
    if (opens) {
        expectEcho(connection);
        return;
    }
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::ProxyError);
    QCOMPARE(outcome.closedSignals, 1);
}

// Answers the CONNECT request proxy received with 200 and returns the request
// head that then came through the tunnel (empty when none came).
QByteArray tunnelledHead(RawServer &proxy)
{
    const qsizetype connectSize = proxy.received().indexOf("\r\n\r\n") + 4;
    proxy.write("HTTP/1.1 200 Connection established\r\n\r\n");
    if (!spinUntil([&] { return proxy.received().indexOf("\r\n\r\n", connectSize) > 0; }))
        return {};
    return proxy.received().mid(connectSize);
}

} // namespace

class tst_DialerProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void httpProxy();
    void httpProxyWss();
    void httpProxyAuthentication_data();
    void httpProxyAuthentication();
    void httpProxyRefusesPort();
    void proxyNotListening();
    void socks5();
    void socks5Wss();
    void socks5Authentication_data();
    void socks5Authentication();
    void applicationProxy();
    void applicationProxyRefuses();
    void dialerProxyOverridesApplicationProxy();
    void connectLineHasDefaultPorts_data();
    void connectLineHasDefaultPorts();

private:
    // tinyproxy on a fresh port, allowing CONNECT to allowedPorts only; with
    // user set, Basic authentication is required.
    bool startTinyproxy(ChildProcess &process, quint16 &port, const QList<quint16> &allowedPorts,
                        const QString &user = {}, const QString &password = {});
    bool startMicrosocks(ChildProcess &process, quint16 &port, const QString &user = {},
                         const QString &password = {});
    QSslConfiguration serverTls() const;

    QTemporaryDir m_dir;
    TestPki m_pki;
    int m_configCount = 0;
};

void tst_DialerProxy::initTestCase()
{
    QVERIFY2(QFile::exists(Tinyproxy), "tinyproxy is missing: install the Debian package tinyproxy");
    QVERIFY2(QFile::exists(Microsocks), "microsocks is missing: install the Debian package microsocks");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_pki.make(m_dir.path()), qPrintable(m_pki.error));
}

void tst_DialerProxy::cleanup()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
}

bool tst_DialerProxy::startTinyproxy(ChildProcess &process, quint16 &port, const QList<quint16> &allowedPorts,
                                     const QString &user, const QString &password)
{
    port = freePort();
    const QString configPath = m_dir.filePath(QStringLiteral("tinyproxy-%1.conf").arg(++m_configCount));
    QFile config(configPath);
    if (!config.open(QIODevice::WriteOnly))
        return false;
    QByteArray text = "Port " + QByteArray::number(port) + "\nListen 127.0.0.1\nBind 127.0.0.1\nTimeout 30\n"
                      "MaxClients 50\nAllow 127.0.0.1\nLogLevel Info\n";
    for (const quint16 allowed : allowedPorts)
        text += "ConnectPort " + QByteArray::number(allowed) + '\n';
    if (!user.isEmpty())
        text += "BasicAuth " + user.toUtf8() + ' ' + password.toUtf8() + '\n';
    config.write(text);
    config.close();
    // -d: stay in the foreground, logging to stderr.
    return process.start(Tinyproxy, {QStringLiteral("-d"), QStringLiteral("-c"), configPath},
                         QRegularExpression(QStringLiteral("Accepting connections")))
        && waitUntilListening(port);
}

bool tst_DialerProxy::startMicrosocks(ChildProcess &process, quint16 &port, const QString &user,
                                      const QString &password)
{
    port = freePort();
    QStringList arguments{QStringLiteral("-i"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                          QString::number(port)};
    if (!user.isEmpty())
        arguments += {QStringLiteral("-u"), user, QStringLiteral("-P"), password};
    return process.start(Microsocks, arguments) && waitUntilListening(port);
}

QSslConfiguration tst_DialerProxy::serverTls() const
{
    return TestPki::serverConfiguration(m_pki.server, m_pki.serverKey);
}

void tst_DialerProxy::httpProxy()
{
    const auto server = startEchoServer();
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startTinyproxy(proxy, proxyPort, {server->serverPort()}), proxy.output().constData());
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxyPort));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/via-proxy").arg(server->serverPort())), {}, this);
    expectEcho(connection);
    // The proxy carried it.
    QVERIFY2(proxy.output().contains("CONNECT 127.0.0.1:" + QByteArray::number(server->serverPort())),
             proxy.output().constData());
    delete connection;
}

void tst_DialerProxy::httpProxyWss()
{
    const auto server = startEchoServer(serverTls());
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startTinyproxy(proxy, proxyPort, {server->serverPort()}), proxy.output().constData());
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxyPort));
    // The host name travels to the proxy; TLS (and its verification) is end to end.
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    auto *socket = qobject_cast<QSslSocket *>(connection->socket());
    QVERIFY(socket && socket->isEncrypted());
    QCOMPARE(socket->peerCertificate(), m_pki.server);
    QVERIFY(connection->sendText(QStringLiteral("secret")));
    QCOMPARE(nextText(connection), QStringLiteral("secret"));
    QVERIFY2(proxy.output().contains("CONNECT localhost:" + QByteArray::number(server->serverPort())),
             proxy.output().constData());
    delete connection;
}

void tst_DialerProxy::httpProxyAuthentication_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("opens");
    QTest::newRow("right credentials") << QStringLiteral("alice") << QStringLiteral("s3cret") << true;
    QTest::newRow("wrong password") << QStringLiteral("alice") << QStringLiteral("guess") << false;
    QTest::newRow("no credentials") << QString() << QString() << false;
}

void tst_DialerProxy::httpProxyAuthentication()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(bool, opens);
    const auto server = startEchoServer();
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startTinyproxy(proxy, proxyPort, {server->serverPort()}, QStringLiteral("alice"),
                            QStringLiteral("s3cret")),
             proxy.output().constData());
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxyPort, user, password));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server->serverPort())), {}, this);
    expectAuthenticationOutcome(connection, opens);
    delete connection;
}

void tst_DialerProxy::httpProxyRefusesPort()
{
    const auto server = startEchoServer();
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    // CONNECT is allowed to another port only: the proxy answers 403.
    QVERIFY2(startTinyproxy(proxy, proxyPort, {static_cast<quint16>(server->serverPort() == 1 ? 2 : 1)}),
             proxy.output().constData());
    QSignalSpy upgraded(server.get(), &Server::newConnection);
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxyPort));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server->serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::ProxyError);
    QVERIFY2(outcome.errorString.startsWith(QStringLiteral("Proxy")), qPrintable(outcome.errorString));
    QCOMPARE(upgraded.size(), 0);
    QVERIFY2(proxy.output().contains("Refused CONNECT"), proxy.output().constData());
    delete connection;
}

void tst_DialerProxy::proxyNotListening()
{
    const auto server = startEchoServer();
    QVERIFY(server);
    const quint16 nothing = freePort();
    for (const auto type : {QNetworkProxy::HttpProxy, QNetworkProxy::Socks5Proxy}) {
        Dialer dialer;
        dialer.setProxy(QNetworkProxy(type, QStringLiteral("127.0.0.1"), nothing));
        Connection *connection =
            dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server->serverPort())), {}, this);
        const Outcome outcome = waitForOutcome(connection);
        QVERIFY(!outcome.opened);
        QCOMPARE(outcome.error, Connection::Error::ProxyError);
        delete connection;
    }
}

void tst_DialerProxy::socks5()
{
    const auto server = startEchoServer();
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startMicrosocks(proxy, proxyPort), proxy.output().constData());
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), proxyPort));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/socks").arg(server->serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    // The server sees the proxy's own connection, not ours.
    const QList<Connection *> accepted = server->connections();
    QCOMPARE(accepted.size(), 1);
    QVERIFY(accepted.first()->peerPort() != connection->localPort());
    QVERIFY(connection->sendBinary("\x01\x02\x03"));
    QCOMPARE(nextBinary(connection), QByteArray("\x01\x02\x03"));
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_DialerProxy::socks5Wss()
{
    const auto server = startEchoServer(serverTls());
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startMicrosocks(proxy, proxyPort), proxy.output().constData());
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    dialer.setProxy(QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), proxyPort));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    expectEcho(connection);
    delete connection;
}

void tst_DialerProxy::socks5Authentication_data()
{
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("opens");
    QTest::newRow("right credentials") << QStringLiteral("bob") << QStringLiteral("pa55") << true;
    QTest::newRow("wrong password") << QStringLiteral("bob") << QStringLiteral("nope") << false;
    QTest::newRow("no credentials") << QString() << QString() << false;
}

void tst_DialerProxy::socks5Authentication()
{
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(bool, opens);
    const auto server = startEchoServer();
    QVERIFY(server);
    ChildProcess proxy;
    quint16 proxyPort = 0;
    QVERIFY2(startMicrosocks(proxy, proxyPort, QStringLiteral("bob"), QStringLiteral("pa55")),
             proxy.output().constData());
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), proxyPort, user, password));
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server->serverPort())), {}, this);
    expectAuthenticationOutcome(connection, opens);
    delete connection;
}

void tst_DialerProxy::applicationProxy()
{
    // Qt never sends loopback destinations to the application proxy, so the
    // target is a name that only this hand-written proxy knows: it accepts the
    // CONNECT and then answers the upgrade itself.
    RawServer proxy;
    QVERIFY(proxy.listen());
    QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxy.port()));
    Dialer dialer;
    QCOMPARE(dialer.proxy().type(), QNetworkProxy::DefaultProxy);
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://chat.example/room")), {}, this);
    DialWatch outcome(connection);
    QVERIFY(proxy.waitForHead());
    QVERIFY2(proxy.received().startsWith("CONNECT chat.example:80 HTTP/1.1\r\n"), proxy.received().constData());
    const QByteArray upgrade = tunnelledHead(proxy);
    QVERIFY2(upgrade.startsWith("GET /room HTTP/1.1\r\n"), upgrade.constData());
    proxy.write(RawServer::acceptResponseFor(upgrade));
    QVERIFY(outcome.wait());
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    delete connection;
}

void tst_DialerProxy::applicationProxyRefuses()
{
    RawServer proxy;
    QVERIFY(proxy.listen());
    QNetworkProxy::setApplicationProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxy.port()));
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://chat.example/")), {}, this);
    DialWatch outcome(connection);
    QVERIFY(proxy.waitForHead());
    proxy.write("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
                "Content-Length: 0\r\n\r\n");
    QVERIFY(outcome.wait());
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::ProxyError);
    delete connection;
}

void tst_DialerProxy::dialerProxyOverridesApplicationProxy()
{
    RawServer applicationWide;
    RawServer chosen;
    QVERIFY(applicationWide.listen());
    QVERIFY(chosen.listen());
    QNetworkProxy::setApplicationProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), applicationWide.port()));
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), chosen.port()));
    Connection *connection = dialer.dial(QUrl(QStringLiteral("ws://chat.example/")), {}, this);
    QVERIFY(chosen.waitForHead());
    QVERIFY(chosen.received().startsWith("CONNECT chat.example:80 HTTP/1.1\r\n"));
    QCOMPARE(applicationWide.connectionCount(), 0);
    delete connection;
}

void tst_DialerProxy::connectLineHasDefaultPorts_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("connectLine");
    QTest::addColumn<QByteArray>("hostField");
    QTest::newRow("ws") << QStringLiteral("ws://chat.example/") << QByteArray("CONNECT chat.example:80 HTTP/1.1")
                        << QByteArray("chat.example");
    QTest::newRow("ws with port") << QStringLiteral("ws://chat.example:8080/")
                                  << QByteArray("CONNECT chat.example:8080 HTTP/1.1")
                                  << QByteArray("chat.example:8080");
    QTest::newRow("ws on port 443") << QStringLiteral("ws://chat.example:443/")
                                    << QByteArray("CONNECT chat.example:443 HTTP/1.1")
                                    << QByteArray("chat.example:443");
    QTest::newRow("wss") << QStringLiteral("wss://chat.example/") << QByteArray("CONNECT chat.example:443 HTTP/1.1")
                         << QByteArray();
}

void tst_DialerProxy::connectLineHasDefaultPorts()
{
    // A proxy written by hand: it records the CONNECT request, accepts it, and
    // then sees the tunnelled bytes.
    QFETCH(QString, url);
    QFETCH(QByteArray, connectLine);
    QFETCH(QByteArray, hostField);
    RawServer proxy;
    QVERIFY(proxy.listen());
    Dialer dialer;
    dialer.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxy.port()));
    Connection *connection = dialer.dial(QUrl(url), {}, this);
    QVERIFY(proxy.waitForHead());
    const QByteArray request = proxy.received();
    QVERIFY2(request.startsWith(connectLine + "\r\n"), request.constData());
    if (!hostField.isEmpty()) {
        const QByteArray upgrade = tunnelledHead(proxy);
        QVERIFY2(upgrade.startsWith("GET / HTTP/1.1\r\n"), upgrade.constData());
        QVERIFY2(upgrade.contains("\r\nHost: " + hostField + "\r\n"), upgrade.constData());
    }
    delete connection;
}

QTEST_MAIN(tst_DialerProxy)
#include "tst_dialer_proxy.moc"
