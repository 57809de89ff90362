// permessage-deflate against Python's websockets (Debian python3-websockets): its
// client against our Server and its server against our Dialer, with and without
// context takeover and with limited windows, each side's choice. Both ends must
// report the same agreement, the bytes on the wire show both directions were
// compressed, and Python inflates our messages when the level changes between them.

#include "compressioninterop.h"

#include <QtTest/QTest>

using namespace CompressionInterop;

class tst_CompressionPython : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pythonClient_data();
    void pythonClient();
    void pythonServer_data();
    void pythonServer();
};

void tst_CompressionPython::pythonClient_data()
{
    QTest::addColumn<QJsonObject>("offer"); // ClientPerMessageDeflateFactory's arguments
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<Settings>("agreed"); // from the server's side

    QTest::newRow("defaults") << QJsonObject{} << Settings{} << Settings{12, false, 15, false};
    QTest::newRow("no context takeover, client's request")
        << QJsonObject{{QStringLiteral("server_no_context_takeover"), true},
                       {QStringLiteral("client_no_context_takeover"), true}}
        << Settings{15} << Settings{15, true, 15, true};
    QTest::newRow("no context takeover, server's choice")
        << QJsonObject{} << Settings{15, true, 15, true} << Settings{15, true, 15, true};
    QTest::newRow("max window bits, client's request")
        << QJsonObject{{QStringLiteral("server_max_window_bits"), 10}, {QStringLiteral("client_max_window_bits"), 11}}
        << Settings{15} << Settings{10, false, 11, false};
    QTest::newRow("max window bits, server's choice")
        << QJsonObject{} << Settings{9, false, 10, false} << Settings{9, false, 10, false};
    QTest::newRow("our 8-bit window") << QJsonObject{} << Settings{8} << Settings{8, false, 15, false};
}

void tst_CompressionPython::pythonClient()
{
    QFETCH(QJsonObject, offer);
    QFETCH(Settings, serverSettings);
    QFETCH(Settings, agreed);

    EchoServer fixture(serverSettings.options());
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));
    const QJsonObject rfc = agreed.rfcParameters(WsKit::Connection::Role::Server);
    QJsonObject config = offer;
    config.insert(QStringLiteral("expect"),
                  QJsonObject{{QStringLiteral("remote_no_context_takeover"), rfc.value(QStringLiteral("server_no_context_takeover"))},
                              {QStringLiteral("local_no_context_takeover"), rfc.value(QStringLiteral("client_no_context_takeover"))},
                              {QStringLiteral("remote_max_window_bits"), rfc.value(QStringLiteral("server_max_window_bits"))},
                              {QStringLiteral("local_max_window_bits"), rfc.value(QStringLiteral("client_max_window_bits"))}});
    Peer python(QStringLiteral(WSKIT_PYTHON),
                {QStringLiteral(WSKIT_COMPRESSION_PEERS "/python_peer.py"), QStringLiteral("client"),
                 QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.server.serverPort()), compactJson(config)});
    QVERIFY(python.started());
    const bool ok = python.finish(60000);
    const QByteArray output = python.output();
    qInfo().noquote() << output;
    QVERIFY2(ok, output.constData());
    QVERIFY2(output.contains("compressed ok"), output.constData());
    QCOMPARE(fixture.negotiated, QList<bool>{true});
    QCOMPARE(fixture.agreed.first(), agreed);
    qInfo() << describe(fixture.traffic.first()).constData();
    QVERIFY2(wasCompressed(fixture.traffic.first()), describe(fixture.traffic.first()).constData());
}

void tst_CompressionPython::pythonServer_data()
{
    QTest::addColumn<Settings>("clientSettings");
    QTest::addColumn<QJsonObject>("serverConfig"); // ServerPerMessageDeflateFactory's arguments
    QTest::addColumn<Settings>("agreed");          // from the client's side

    QTest::newRow("defaults") << Settings{} << QJsonObject{} << Settings{12, false, 15, false};
    QTest::newRow("no context takeover, client's request")
        << Settings{15, true, 15, true} << QJsonObject{} << Settings{15, true, 15, true};
    QTest::newRow("no context takeover, server's choice")
        << Settings{15} << QJsonObject{{QStringLiteral("server_no_context_takeover"), true},
                                       {QStringLiteral("client_no_context_takeover"), true}}
        << Settings{15, true, 15, true};
    QTest::newRow("max window bits, client's request")
        << Settings{11, false, 10, false} << QJsonObject{} << Settings{11, false, 10, false};
    QTest::newRow("max window bits, server's choice")
        << Settings{15} << QJsonObject{{QStringLiteral("server_max_window_bits"), 10},
                                       {QStringLiteral("client_max_window_bits"), 9}}
        << Settings{9, false, 10, false};
    QTest::newRow("our 8-bit window") << Settings{8} << QJsonObject{} << Settings{8, false, 15, false};
}

void tst_CompressionPython::pythonServer()
{
    QFETCH(Settings, clientSettings);
    QFETCH(QJsonObject, serverConfig);
    QFETCH(Settings, agreed);

    Peer python(QStringLiteral(WSKIT_PYTHON),
                {QStringLiteral(WSKIT_COMPRESSION_PEERS "/python_peer.py"), QStringLiteral("server"),
                 compactJson(serverConfig)});
    QVERIFY(python.started());
    QString why;
    WsKit::Connection *connection = dialPeer(python, clientSettings.options(), this, why);
    QVERIFY2(connection, qPrintable(why));
    QVERIFY(connection->isCompressionNegotiated());
    QCOMPARE(Settings::of(connection->negotiatedCompression()), agreed);
    // The server's view: remote is the client.
    const QJsonObject rfc = agreed.rfcParameters(WsKit::Connection::Role::Client);
    const QJsonObject expected{
        {QStringLiteral("remote_no_context_takeover"), rfc.value(QStringLiteral("client_no_context_takeover"))},
        {QStringLiteral("local_no_context_takeover"), rfc.value(QStringLiteral("server_no_context_takeover"))},
        {QStringLiteral("remote_max_window_bits"), rfc.value(QStringLiteral("client_max_window_bits"))},
        {QStringLiteral("local_max_window_bits"), rfc.value(QStringLiteral("server_max_window_bits"))}};
    const QByteArray serverView = python.waitForLine("agreed ", 10000);
    QCOMPARE(QJsonDocument::fromJson(serverView).object(), expected);

    Traffic traffic;
    const QString problem = echoThrough(connection, traffic);
    QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + QString::fromUtf8(python.output())));
    qInfo() << describe(traffic).constData();
    QVERIFY2(wasCompressed(traffic), describe(traffic).constData());

    // Python inflates each of our messages when the level changes between them.
    Traffic changing;
    const QString afterChanges = echoThrough(connection, changing, changingCompression(connection));
    QVERIFY2(afterChanges.isEmpty(), qPrintable(afterChanges + QLatin1Char('\n') + QString::fromUtf8(python.output())));
    QVERIFY(connection->isOutgoingCompressionEnabled()); // back on after the fifth message
    QCOMPARE(connection->negotiatedCompression().level(), 1);
    delete connection;
}

QTEST_MAIN(tst_CompressionPython)
#include "tst_compression_python.moc"
