// Chat server: serves its page at / and a chat room at /ws. Every message goes to
// everyone in the room, encoded once (WsKit::PreparedMessage); a member that does
// not read fast enough is dropped instead of slowing the room down. With --redis,
// every chat process using that Redis server is in the same room (behind a reverse
// proxy that spreads the clients over them: docs/deployment.md).
//
//   chat [--port 8080] [--bind 127.0.0.1] [--max-buffered BYTES]
//        [--redis HOST:PORT [--redis-channel NAME]] [--trusted-proxy ADDRESS[/PREFIX]]...
//   then open http://127.0.0.1:8080/ in a browser (two windows make a conversation)

#include "hub.h"
#ifdef CHAT_WITH_REDIS
#include "redisbackplane.h"
#endif

#include <WsKit/connection.h>
#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("WebSocket chat room with its page"));
    parser.addHelpOption();
    const QCommandLineOption portOption(QStringLiteral("port"), QStringLiteral("Port to listen on (0: any free port)."),
                                        QStringLiteral("port"), QStringLiteral("8080"));
    const QCommandLineOption bindOption(QStringLiteral("bind"), QStringLiteral("Address to listen on."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption bufferedOption(
        QStringLiteral("max-buffered"),
        QStringLiteral("Unsent bytes a member may pile up before it is dropped."), QStringLiteral("bytes"),
        QStringLiteral("262144"));
    const QCommandLineOption redisOption(
        QStringLiteral("redis"),
        QStringLiteral("Share the room with every chat process using the Redis server at this address."),
        QStringLiteral("host:port"));
    const QCommandLineOption channelOption(QStringLiteral("redis-channel"),
                                           QStringLiteral("The Redis channel of the room."), QStringLiteral("name"),
                                           QStringLiteral("wskit-chat"));
    const QCommandLineOption proxyOption(
        QStringLiteral("trusted-proxy"),
        QStringLiteral("A reverse proxy (address or network) whose X-Forwarded-For/-Proto/-Host or Forwarded "
                       "fields say who the client is. Repeat for more."),
        QStringLiteral("address[/prefix]"));
    parser.addOptions({portOption, bindOption, bufferedOption, redisOption, channelOption, proxyOption});
    parser.process(app);

    QFile pageFile(QStringLiteral(":/home.html"));
    if (!pageFile.open(QIODevice::ReadOnly))
        qFatal("the page resource is missing");
    const QByteArray page = pageFile.readAll();

    // A server's defaults ping every 30 s, which finds members whose network vanished
    // without a word, and give up on a member that reads nothing for 30 s.
    WsKit::ConnectionOptions options = WsKit::ConnectionOptions::serverDefaults();
    // Chat lines are short: a peer that sends a megabyte is failed with 1009.
    options.setMaxMessageSize(4096);
    options.setMaxBufferedAmount(parser.value(bufferedOption).toLongLong());
    // Without context takeover on our side every member compresses alike, so a
    // broadcast is compressed once for all of them instead of once per member.
    WsKit::CompressionOptions compression;
    compression.setNoContextTakeover(true);
    options.setCompression(compression);
    WsKit::Upgrader upgrader;
    upgrader.setConnectionOptions(options);

    WsKit::Server server;
    server.setUpgrader(upgrader);
    // Behind nginx: every peer is nginx; the client is who nginx says it is.
    if (!server.setTrustedProxies(parser.values(proxyOption))) {
        qCritical("--trusted-proxy wants addresses or networks (10.0.0.0/8)");
        return 1;
    }
    server.setWebSocketPaths({QStringLiteral("/ws")});
    server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });

    Hub hub;
    // What is posted here is delivered here at once.
    QObject::connect(&hub, &Hub::posted, &hub, &Hub::deliver);
    if (parser.isSet(redisOption)) {
#ifdef CHAT_WITH_REDIS
        const QUrl redis(QStringLiteral("redis://") + parser.value(redisOption));
        if (!redis.isValid() || redis.host().isEmpty() || redis.port() <= 0) {
            qCritical("--redis wants host:port, not \"%s\"", qPrintable(parser.value(redisOption)));
            return 1;
        }
        // Other processes get what is posted here through Redis, and this one what they post.
        auto *backplane = new RedisBackplane(redis.host(), quint16(redis.port()),
                                             parser.value(channelOption).toUtf8(), &hub);
        QObject::connect(&hub, &Hub::posted, backplane, &RedisBackplane::publish);
        QObject::connect(backplane, &RedisBackplane::received, &hub, &Hub::deliver);
        QObject::connect(backplane, &RedisBackplane::disconnected, &hub,
                         [&hub](const QString &why, std::chrono::milliseconds retryIn) {
                             hub.setStatus(QStringLiteral("The other chat servers are out of reach (%1): only people "
                                                          "on this server see what is said. Trying again in %2 s.")
                                               .arg(why, QString::number(double(retryIn.count()) / 1000, 'f', 1)));
                         });
        QObject::connect(backplane, &RedisBackplane::connected, &hub, [&hub, before = false]() mutable {
            if (std::exchange(before, true))
                hub.notify(QStringLiteral("In touch with the other chat servers again."));
            hub.setStatus({});
        });
        backplane->start();
#else
        qCritical("this chat was built without hiredis (libhiredis-dev): --redis is not available");
        return 1;
#endif
    }
    QObject::connect(&server, &WsKit::Server::newConnection, &hub, [&hub](WsKit::Connection *connection) {
        // The page asks for /ws?name=…
        const QUrlQuery query(QUrl::fromEncoded(connection->requestTarget()));
        QString name = query.queryItemValue(QStringLiteral("name"), QUrl::FullyDecoded).simplified().left(32);
        if (name.isEmpty())
            name = QStringLiteral("guest");
        hub.join(connection, name);
    });
    QObject::connect(&hub, &Hub::memberCountChanged, &hub,
                     [](int count) { qInfo("%d in the room", count); });

    const QHostAddress address(parser.value(bindOption));
    const quint16 port = parser.value(portOption).toUShort();
    if (!server.listen(address, port)) {
        qCritical("cannot listen on %s:%u: %s", qPrintable(address.toString()), unsigned(port),
                  qPrintable(server.errorString()));
        return 1;
    }
    qInfo("chat room at http://%s:%u/", qPrintable(address.toString()), unsigned(server.serverPort()));
    return app.exec();
}
