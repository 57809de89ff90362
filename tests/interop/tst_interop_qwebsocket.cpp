// QtWebSockets' QWebSocket against our Server: text, binary, fragmented, 16 MiB,
// ping/pong both ways and close codes both ways.

#include "interopserver.h"

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>

constexpr int Wait = 10000;

class tst_InteropQWebSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void text();
    void binary();
    void fragmented();
    void sixteenMiB();
    void pingPong();
    void clientCloses();
    void serverCloses();

private:
    bool open(QWebSocket &socket);
    std::unique_ptr<InteropServer> m_fixture;
};

void tst_InteropQWebSocket::init()
{
    m_fixture = std::make_unique<InteropServer>();
    QVERIFY(m_fixture->server.listen(QHostAddress::LocalHost, 0));
}

void tst_InteropQWebSocket::cleanup()
{
    m_fixture.reset();
}

bool tst_InteropQWebSocket::open(QWebSocket &socket)
{
    socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_fixture->server.serverPort())));
    return QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }, Wait);
}

void tst_InteropQWebSocket::text()
{
    QWebSocket socket;
    QVERIFY(open(socket));
    QSignalSpy texts(&socket, &QWebSocket::textMessageReceived);
    const QString text = QStringLiteral("h\u00e9llo \U0001F600");
    socket.sendTextMessage(text);
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, Wait);
    QCOMPARE(texts.at(0).at(0).toString(), text);
}

void tst_InteropQWebSocket::binary()
{
    QWebSocket socket;
    QVERIFY(open(socket));
    QSignalSpy binaries(&socket, &QWebSocket::binaryMessageReceived);
    QByteArray data;
    for (int i = 0; i < 256; ++i)
        data.append(char(i));
    socket.sendBinaryMessage(data);
    QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, Wait);
    QCOMPARE(binaries.at(0).at(0).toByteArray(), data);
}

void tst_InteropQWebSocket::fragmented()
{
    QWebSocket socket;
    socket.setOutgoingFrameSize(7); // every message goes out in frames of 7 bytes
    QVERIFY(open(socket));
    QSignalSpy texts(&socket, &QWebSocket::textMessageReceived);
    const QString text = QStringLiteral("a message in several frames: \u00e9\u00e9\u00e9");
    socket.sendTextMessage(text);
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, Wait);
    QCOMPARE(texts.at(0).at(0).toString(), text);
}

void tst_InteropQWebSocket::sixteenMiB()
{
    QWebSocket socket;
    socket.setMaxAllowedIncomingMessageSize(32 * 1024 * 1024);
    socket.setMaxAllowedIncomingFrameSize(32 * 1024 * 1024);
    QVERIFY(open(socket));
    QSignalSpy binaries(&socket, &QWebSocket::binaryMessageReceived);
    QByteArray data(16 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); ++i)
        data[i] = char(i % 251);
    socket.sendBinaryMessage(data);
    QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, 30000);
    QVERIFY(binaries.at(0).at(0).toByteArray() == data);
}

void tst_InteropQWebSocket::pingPong()
{
    QWebSocket socket;
    QVERIFY(open(socket));
    QSignalSpy pongs(&socket, &QWebSocket::pong);
    socket.ping("from-client");
    QTRY_COMPARE_WITH_TIMEOUT(pongs.size(), 1, Wait);
    QCOMPARE(pongs.at(0).at(1).toByteArray(), QByteArray("from-client"));
    // QWebSocket answers our ping; the server reports the pong back as text.
    QSignalSpy texts(&socket, &QWebSocket::textMessageReceived);
    socket.sendTextMessage(QStringLiteral("ping-me"));
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, Wait);
    QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("pong:from-server"));
}

void tst_InteropQWebSocket::clientCloses()
{
    QWebSocket socket;
    QVERIFY(open(socket));
    socket.close(QWebSocketProtocol::CloseCode(4001), QStringLiteral("client bye"));
    QTRY_COMPARE_WITH_TIMEOUT(m_fixture->closes.size(), 1, Wait);
    QCOMPARE(m_fixture->closes.at(0), qMakePair(quint16(4001), QStringLiteral("client bye")));
    QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, Wait);
}

void tst_InteropQWebSocket::serverCloses()
{
    QWebSocket socket;
    QVERIFY(open(socket));
    QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
    socket.sendTextMessage(QStringLiteral("close-me:4002"));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, Wait);
    QCOMPARE(int(socket.closeCode()), 4002);
    QCOMPARE(socket.closeReason(), QStringLiteral("server bye"));
    QTRY_COMPARE_WITH_TIMEOUT(m_fixture->closes.size(), 1, Wait);
    QCOMPARE(m_fixture->closes.at(0).first, quint16(4002));
}

QTEST_MAIN(tst_InteropQWebSocket)
#include "tst_interop_qwebsocket.moc"
