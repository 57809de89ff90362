// The Dialer against Python's websockets (the Debian package, run by
// /usr/bin/python3): ws and wss, request fields as that server parsed them,
// SNI and ALPN as its TLS stack saw them, and a refused handshake.

#include "clientinterop.h"

#include <WsKit/dialer.h>

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkCookie>
#include <QtNetwork/QNetworkCookieJar>
#include <QtNetwork/QSslConfiguration>

using namespace ClientInterop;
using WsKit::Dialer;

class tst_ClientPython : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void echoes();
    void requestAsTheServerSawIt();
    void refusal();
    void tlsWithSniAndAlpn();
    void tlsUntrusted();

private:
    quint16 startServer(ChildProcess &peer, const QStringList &extra = {});
    // The peer's arguments for wss with our test certificate.
    QStringList tlsArguments() const;

    QTemporaryDir m_dir;
    TestPki m_pki;
};

void tst_ClientPython::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(WSKIT_INTEROP_PYTHON)), "install the Debian package python3-websockets");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_pki.make(m_dir.path()), qPrintable(m_pki.error));
}

quint16 tst_ClientPython::startServer(ChildProcess &peer, const QStringList &extra)
{
    return startPeer(peer, QStringLiteral(WSKIT_INTEROP_PYTHON),
                     QStringList{QStringLiteral(WSKIT_INTEROP_PEERS "/websockets_server.py"),
                                 QStringLiteral("--subprotocol"), QStringLiteral("chat"),
                                 QStringLiteral("--lifetime"), QStringLiteral("60")}
                         + extra);
}

QStringList tst_ClientPython::tlsArguments() const
{
    return {QStringLiteral("--cert"), m_pki.path(QStringLiteral("server.crt")), QStringLiteral("--key"),
            m_pki.path(QStringLiteral("server.key"))};
}

void tst_ClientPython::echoes()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    checkEchoesAndClose(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
}

void tst_ClientPython::requestAsTheServerSawIt()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    QNetworkCookieJar jar;
    QVERIFY(jar.setCookiesFromUrl({QNetworkCookie("session", "s1")},
                                  QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port))));
    Dialer dialer;
    dialer.setCookieJar(&jar);
    dialer.setSubprotocols({QStringLiteral("v9.chat"), QStringLiteral("chat")});
    QUrl url(QStringLiteral("ws://127.0.0.1:%1/room/7?user=ann&x=%C3%A9").arg(port));
    url.setUserInfo(QStringLiteral("ann:pw"));
    Connection *connection =
        dialer.dial(url, {{"Origin", "http://127.0.0.1"}, {"X-Custom", "one two"}}, this);
    MessageQueue messages(connection);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->subprotocol(), QStringLiteral("chat"));
    const QJsonObject report = handshakeReport(messages);
    QCOMPARE(report.value(QStringLiteral("path")).toString(), QStringLiteral("/room/7?user=ann&x=%C3%A9"));
    QCOMPARE(report.value(QStringLiteral("subprotocol")).toString(), QStringLiteral("chat"));
    const QJsonObject headers = report.value(QStringLiteral("headers")).toObject();
    const auto field = [&](const char *name) {
        return headers.value(QLatin1String(name)).toArray().first().toString();
    };
    QCOMPARE(field("origin"), QStringLiteral("http://127.0.0.1"));
    QCOMPARE(field("x-custom"), QStringLiteral("one two"));
    QCOMPARE(field("authorization"), QStringLiteral("Basic ") + QString::fromLatin1(QByteArray("ann:pw").toBase64()));
    QCOMPARE(field("cookie"), QStringLiteral("session=s1"));
    QCOMPARE(field("host"), QStringLiteral("127.0.0.1:%1").arg(port));
    QCOMPARE(field("sec-websocket-protocol"), QStringLiteral("v9.chat, chat"));
    delete connection;
}

void tst_ClientPython::refusal()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    checkRefusal(QUrl(QStringLiteral("ws://127.0.0.1:%1/forbidden").arg(port)),
                 {403, QStringLiteral("Forbidden"), "no entry here\n", "X-Reason", "test"});
}

void tst_ClientPython::tlsWithSniAndAlpn()
{
    ChildProcess peer;
    const quint16 port = startServer(peer, tlsArguments());
    QVERIFY2(port, peer.output().constData());
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/tls").arg(port)), {}, this);
    MessageQueue messages(connection);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    const QJsonObject report = handshakeReport(messages);
    QCOMPARE(report.value(QStringLiteral("sni")).toString(), QStringLiteral("localhost"));
    QCOMPARE(report.value(QStringLiteral("alpn")).toString(), QStringLiteral("http/1.1"));
    QCOMPARE(report.value(QStringLiteral("path")).toString(), QStringLiteral("/tls"));
    checkEchoes(connection);
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_ClientPython::tlsUntrusted()
{
    ChildProcess peer;
    const quint16 port = startServer(peer, tlsArguments());
    QVERIFY2(port, peer.output().constData());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(port)), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::TlsError);
    delete connection;
}

QTEST_MAIN(tst_ClientPython)
#include "tst_client_python.moc"
