// The Autobahn testsuite's server testee: echoes every message back unchanged,
// text as text and binary as binary. Every check the suite looks for (framing,
// UTF-8, close codes) is the library's own; this program adds none.
//
//   autobahn_server [--port 9001] [--stream]
//
// With --stream, messages are not assembled: each piece is sent back as it
// arrives (Connection::messageChunkReceived into a MessageWriter).

#include <WsKit/connection.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>

#include <memory>

namespace {

// Cases 12 and 13 (permessage-deflate) offer or accept every window size and
// context takeover: accept up to 15 bits so each case gets what it asks for, and
// compress every message, however small, so each one exercises the codec.
WsKit::CompressionOptions suiteCompression()
{
    WsKit::CompressionOptions compression;
    compression.setWindowBits(15);
    compression.setThreshold(0);
    return compression;
}

void echoWhole(WsKit::Connection *connection)
{
    QObject::connect(connection, &WsKit::Connection::messageReceived, connection,
                     [connection](const QByteArray &payload, WsKit::Connection::MessageType type) {
                         connection->sendMessage(payload, type);
                     });
}

void echoStreaming(WsKit::Connection *connection)
{
    auto writer = std::make_shared<WsKit::MessageWriter>();
    QObject::connect(connection, &WsKit::Connection::messageChunkReceived, connection,
                     [connection, writer](const QByteArray &chunk, WsKit::Connection::MessageType type, bool first,
                                          bool last) {
                         if (first)
                             *writer = connection->beginMessage(type);
                         if (last)
                             writer->finish(chunk);
                         else
                             writer->write(chunk);
                     });
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Autobahn testsuite echo server (testee)"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on."),
                                        QStringLiteral("port"), QStringLiteral("9001"));
    const QCommandLineOption streamOption(QStringLiteral("stream"),
                                          QStringLiteral("Echo each message piece by piece as it arrives."));
    parser.addOption(portOption);
    parser.addOption(streamOption);
    parser.process(app);
    const bool stream = parser.isSet(streamOption);

    // The suite's largest messages are 16 MiB; leave room above them.
    WsKit::ConnectionOptions options;
    options.setMaxMessageSize(64 * 1024 * 1024);
    options.setMaxBufferedAmount(64 * 1024 * 1024);
    options.setIncomingStreaming(stream);
    options.setCompression(suiteCompression());
    WsKit::Upgrader upgrader;
    upgrader.allowAnyOrigin();
    upgrader.setConnectionOptions(options);

    WsKit::Server server;
    server.setUpgrader(upgrader);
    QObject::connect(&server, &WsKit::Server::newConnection, &server,
                     [stream](WsKit::Connection *connection) { stream ? echoStreaming(connection) : echoWhole(connection); });

    const quint16 port = parser.value(portOption).toUShort();
    if (!server.listen(QHostAddress::LocalHost, port)) {
        qCritical("cannot listen on 127.0.0.1:%u: %s", unsigned(port), qPrintable(server.errorString()));
        return 1;
    }
    qInfo("Autobahn testee on ws://127.0.0.1:%u%s", unsigned(server.serverPort()), stream ? " (streaming)" : "");
    return app.exec();
}
