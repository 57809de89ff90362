// The Dialer against Node's ws (installed into the build tree by the
// interop/install_node_ws fixture): echoes, request fields as that server
// parsed them, its subprotocol choice, and a refusal with status and body.

#include "clientinterop.h"

#include <WsKit/dialer.h>

using namespace ClientInterop;
using WsKit::Dialer;

class tst_ClientNode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void echoes();
    void requestAsTheServerSawIt();
    void refusal();

private:
    quint16 startServer(ChildProcess &peer);
};

void tst_ClientNode::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(WSKIT_INTEROP_NODE)), "node was not found: install the Debian package nodejs");
    QVERIFY2(QFile::exists(QStringLiteral(WSKIT_INTEROP_NODE_PATH "/ws/package.json")),
             "ws is not installed: run the interop/install_node_ws test (npm install ws)");
}

quint16 tst_ClientNode::startServer(ChildProcess &peer)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("NODE_PATH"), QStringLiteral(WSKIT_INTEROP_NODE_PATH));
    peer.setProcessEnvironment(environment);
    return startPeer(peer, QStringLiteral(WSKIT_INTEROP_NODE),
                     {QStringLiteral(WSKIT_INTEROP_PEERS "/ws_server.js"), QStringLiteral("60")});
}

void tst_ClientNode::echoes()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    checkEchoesAndClose(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
}

void tst_ClientNode::requestAsTheServerSawIt()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    Dialer dialer;
    // ws prefers superchat, whatever the client's order.
    dialer.setSubprotocols({QStringLiteral("chat"), QStringLiteral("superchat")});
    QUrl url(QStringLiteral("ws://127.0.0.1:%1/feed?since=10").arg(port));
    url.setUserInfo(QStringLiteral("bob:b0b"));
    Connection *connection = dialer.dial(url, {{"Origin", "https://app.example"}, {"X-Custom", "v"}}, this);
    MessageQueue messages(connection);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(connection->subprotocol(), QStringLiteral("superchat"));
    const QJsonObject report = handshakeReport(messages);
    QCOMPARE(report.value(QStringLiteral("path")).toString(), QStringLiteral("/feed?since=10"));
    QCOMPARE(report.value(QStringLiteral("subprotocol")).toString(), QStringLiteral("superchat"));
    const QJsonObject headers = report.value(QStringLiteral("headers")).toObject();
    QCOMPARE(headers.value(QStringLiteral("origin")).toString(), QStringLiteral("https://app.example"));
    QCOMPARE(headers.value(QStringLiteral("x-custom")).toString(), QStringLiteral("v"));
    QCOMPARE(headers.value(QStringLiteral("authorization")).toString(),
             QStringLiteral("Basic ") + QString::fromLatin1(QByteArray("bob:b0b").toBase64()));
    QCOMPARE(headers.value(QStringLiteral("sec-websocket-version")).toString(), QStringLiteral("13"));
    delete connection;
}

void tst_ClientNode::refusal()
{
    ChildProcess peer;
    const quint16 port = startServer(peer);
    QVERIFY2(port, peer.output().constData());
    checkRefusal(QUrl(QStringLiteral("ws://127.0.0.1:%1/forbidden").arg(port)),
                 {401, QStringLiteral("Unauthorized"), "Unauthorized", "WWW-Authenticate", "Bearer realm=\"node\""});
}

QTEST_MAIN(tst_ClientNode)
#include "tst_client_node.moc"
