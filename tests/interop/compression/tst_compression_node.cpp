// permessage-deflate against Node's ws (installed into the build tree at test time):
// its client against our Server and its server against our Dialer, with and
// without context takeover and with limited windows, each side's choice. Both ends
// must report the same agreement, the bytes on the wire show both directions were
// compressed, and ws inflates what we send when the level changes between messages,
// in both roles.

#include "compressioninterop.h"

#include <QtTest/QTest>

using namespace CompressionInterop;

namespace {

QProcessEnvironment nodeEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("NODE_PATH"), QStringLiteral(WSKIT_NODE_MODULES));
    return environment;
}

} // namespace

class tst_CompressionNode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nodeClient_data();
    void nodeClient();
    void nodeServer_data();
    void nodeServer();
    void levelChangesDecodedByNodeClient_data();
    void levelChangesDecodedByNodeClient();
};

void tst_CompressionNode::nodeClient_data()
{
    QTest::addColumn<QJsonObject>("options"); // ws's perMessageDeflate
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<QString>("extensions");  // what both must agree on
    QTest::addColumn<Settings>("agreed");     // from the server's side

    const QJsonObject everything{{QStringLiteral("threshold"), 0}};
    auto with = [&everything](std::initializer_list<QPair<QString, QJsonValue>> values) {
        QJsonObject options = everything;
        for (const auto &[name, value] : values)
            options.insert(name, value);
        return options;
    };
    QTest::newRow("defaults") << everything << Settings{} << QStringLiteral("permessage-deflate; server_max_window_bits=12")
                              << Settings{12, false, 15, false};
    QTest::newRow("no context takeover, client's request")
        << with({{QStringLiteral("clientNoContextTakeover"), true}, {QStringLiteral("serverNoContextTakeover"), true}})
        << Settings{15} << QStringLiteral("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        << Settings{15, true, 15, true};
    QTest::newRow("no context takeover, server's choice")
        << everything << Settings{15, true, 15, true}
        << QStringLiteral("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        << Settings{15, true, 15, true};
    QTest::newRow("max window bits, client's request")
        << with({{QStringLiteral("serverMaxWindowBits"), 10}, {QStringLiteral("clientMaxWindowBits"), 11}})
        << Settings{15} << QStringLiteral("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11")
        << Settings{10, false, 11, false};
    QTest::newRow("max window bits, server's choice")
        << everything << Settings{9, false, 10, false}
        << QStringLiteral("permessage-deflate; server_max_window_bits=9; client_max_window_bits=10")
        << Settings{9, false, 10, false};
    QTest::newRow("our 8-bit window") << everything << Settings{8}
                                      << QStringLiteral("permessage-deflate; server_max_window_bits=8")
                                      << Settings{8, false, 15, false};
}

void tst_CompressionNode::nodeClient()
{
    QFETCH(QJsonObject, options);
    QFETCH(Settings, serverSettings);
    QFETCH(QString, extensions);
    QFETCH(Settings, agreed);

    EchoServer fixture(serverSettings.options());
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));
    Peer node(QStringLiteral(WSKIT_NODE),
              {QStringLiteral(WSKIT_COMPRESSION_PEERS "/node_peer.js"), QStringLiteral("client"),
               QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.server.serverPort()), compactJson(options), extensions},
              nodeEnvironment());
    QVERIFY(node.started());
    const bool ok = node.finish(60000);
    const QByteArray output = node.output();
    qInfo().noquote() << output;
    QVERIFY2(ok, output.constData());
    QVERIFY2(output.contains("compressed ok"), output.constData());
    QCOMPARE(fixture.negotiated, QList<bool>{true});
    QCOMPARE(fixture.agreed.first(), agreed);
    qInfo() << describe(fixture.traffic.first()).constData();
    QVERIFY2(wasCompressed(fixture.traffic.first()), describe(fixture.traffic.first()).constData());
}

void tst_CompressionNode::nodeServer_data()
{
    QTest::addColumn<Settings>("clientSettings");
    QTest::addColumn<QJsonObject>("options");    // ws's perMessageDeflate for its server
    QTest::addColumn<QByteArray>("extensions"); // the server's answer
    QTest::addColumn<Settings>("agreed");       // from the client's side

    const QJsonObject everything{{QStringLiteral("threshold"), 0}};
    auto with = [&everything](std::initializer_list<QPair<QString, QJsonValue>> values) {
        QJsonObject options = everything;
        for (const auto &[name, value] : values)
            options.insert(name, value);
        return options;
    };
    QTest::newRow("defaults") << Settings{} << everything
                              << QByteArray("permessage-deflate; client_max_window_bits=12")
                              << Settings{12, false, 15, false};
    QTest::newRow("no context takeover, client's request")
        << Settings{15, true, 15, true} << everything
        << QByteArray("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        << Settings{15, true, 15, true};
    QTest::newRow("no context takeover, server's choice")
        << Settings{15}
        << with({{QStringLiteral("serverNoContextTakeover"), true}, {QStringLiteral("clientNoContextTakeover"), true}})
        << QByteArray("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        << Settings{15, true, 15, true};
    QTest::newRow("max window bits, client's request")
        << Settings{11, false, 10, false} << everything
        << QByteArray("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11")
        << Settings{11, false, 10, false};
    QTest::newRow("max window bits, server's choice")
        << Settings{15}
        << with({{QStringLiteral("serverMaxWindowBits"), 10}, {QStringLiteral("clientMaxWindowBits"), 9}})
        << QByteArray("permessage-deflate; client_max_window_bits=9; server_max_window_bits=10")
        << Settings{9, false, 10, false};
}

void tst_CompressionNode::nodeServer()
{
    QFETCH(Settings, clientSettings);
    QFETCH(QJsonObject, options);
    QFETCH(QByteArray, extensions);
    QFETCH(Settings, agreed);

    Peer node(QStringLiteral(WSKIT_NODE),
              {QStringLiteral(WSKIT_COMPRESSION_PEERS "/node_peer.js"), QStringLiteral("server"), compactJson(options)},
              nodeEnvironment());
    QVERIFY(node.started());
    QString why;
    WsKit::Connection *connection = dialPeer(node, clientSettings.options(), this, why);
    QVERIFY2(connection, qPrintable(why));
    QVERIFY(connection->isCompressionNegotiated());
    QCOMPARE(Settings::of(connection->negotiatedCompression()), agreed);
    QCOMPARE(node.waitForLine("response ", 10000), extensions);

    Traffic traffic;
    const QString problem = echoThrough(connection, traffic);
    QVERIFY2(problem.isEmpty(), qPrintable(problem + QLatin1Char('\n') + QString::fromUtf8(node.output())));
    qInfo() << describe(traffic).constData();
    QVERIFY2(wasCompressed(traffic), describe(traffic).constData());

    // ws inflates each of our messages when the level changes between them.
    Traffic changing;
    const QString afterChanges = echoThrough(connection, changing, changingCompression(connection));
    QVERIFY2(afterChanges.isEmpty(), qPrintable(afterChanges + QLatin1Char('\n') + QString::fromUtf8(node.output())));
    delete connection;
}

void tst_CompressionNode::levelChangesDecodedByNodeClient_data()
{
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<QString>("extensions");
    QTest::newRow("context takeover") << Settings{} << QStringLiteral("permessage-deflate; server_max_window_bits=12");
    QTest::newRow("no context takeover")
        << Settings{15, true, 15, true}
        << QStringLiteral("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
}

void tst_CompressionNode::levelChangesDecodedByNodeClient()
{
    QFETCH(Settings, serverSettings);
    QFETCH(QString, extensions);

    // Our server echoes at a new level after every message (levels 1 to 9, so the
    // peer's check that the wire carried compressed data still holds).
    EchoServer fixture(serverSettings.options());
    QList<int> levels;
    fixture.afterEcho = [&levels](WsKit::Connection *connection, qsizetype received) {
        const int level = int(received * 4 % 9) + 1;
        connection->setCompressionLevel(level);
        levels.append(connection->negotiatedCompression().level());
    };
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));
    Peer node(QStringLiteral(WSKIT_NODE),
              {QStringLiteral(WSKIT_COMPRESSION_PEERS "/node_peer.js"), QStringLiteral("client"),
               QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.server.serverPort()),
               compactJson({{QStringLiteral("threshold"), 0}}), extensions},
              nodeEnvironment());
    QVERIFY(node.started());
    const bool ok = node.finish(60000);
    const QByteArray output = node.output();
    QVERIFY2(ok, output.constData());
    QVERIFY2(output.contains("compressed ok"), output.constData());
    QCOMPARE(levels.size(), echoMessages().size());
    QCOMPARE(levels.first(), 5);
    QCOMPARE(levels.at(1), 9);
}

QTEST_MAIN(tst_CompressionNode)
#include "tst_compression_node.moc"
