// permessage-deflate against Node's ws (installed into the build tree at test time):
// its client against our Server, with and without context takeover and with
// limited windows, each side's choice. Both ends must report the same agreement,
// and the client counts the bytes on the wire to show both directions compressed.

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

QTEST_MAIN(tst_CompressionNode)
#include "tst_compression_node.moc"
