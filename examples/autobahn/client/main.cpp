// The Autobahn testsuite's client testee: run against its fuzzing server, it
// asks how many cases there are, runs each one echoing every message it gets,
// then asks the server to write its reports, and exits.
//
//   autobahn_client [ws://127.0.0.1:9001] [--agent WsKit] [--stream]
//
// With --stream, messages are not assembled: each piece is echoed as it
// arrives (Connection::messageChunkReceived into a MessageWriter).

#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/messagewriter.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

#include <cstdio>
#include <functional>
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

class Testee
{
public:
    Testee(const QUrl &server, const QString &agent, bool stream)
        : m_server(server)
        , m_agent(agent)
        , m_stream(stream)
    {
        WsKit::ConnectionOptions options;
        // Cases 9.x send messages of up to 16 MiB.
        options.setMaxMessageSize(64 * 1024 * 1024);
        options.setMaxBufferedAmount(64 * 1024 * 1024);
        options.setIncomingStreaming(stream);
        options.setCompression(suiteCompression());
        m_caseDialer.setConnectionOptions(options);
    }

    void start()
    {
        WsKit::Connection *connection = dial(m_controlDialer, QStringLiteral("/getCaseCount"), {});
        QObject::connect(connection, &WsKit::Connection::textMessageReceived, connection,
                         [this](const QString &text) { m_caseCount = text.toInt(); });
        QObject::connect(connection, &WsKit::Connection::closed, connection, [this, connection] {
            connection->deleteLater();
            if (m_caseCount <= 0) {
                std::fprintf(stderr, "the server did not say how many cases it has\n");
                QCoreApplication::exit(1);
                return;
            }
            std::printf("%d cases\n", m_caseCount);
            runCase(1);
        });
    }

private:
    WsKit::Connection *dial(const WsKit::Dialer &dialer, const QString &path, const QUrlQuery &query)
    {
        QUrl url = m_server;
        url.setPath(path);
        url.setQuery(query);
        WsKit::Connection *connection = dialer.dial(url, {}, QCoreApplication::instance());
        // Many cases end in a failed connection on purpose; only a failed dial is news.
        QObject::connect(connection, &WsKit::Connection::errorOccurred, connection,
                         [path, connection](WsKit::Connection::Error, const QString &text) {
                             if (connection->state() == WsKit::Connection::State::Connecting)
                                 std::fprintf(stderr, "%s: %s\n", qPrintable(path), qPrintable(text));
                         });
        return connection;
    }

    void runCase(int number)
    {
        if (number > m_caseCount) {
            updateReports();
            return;
        }
        std::printf("case %d/%d\n", number, m_caseCount);
        std::fflush(stdout);
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("case"), QString::number(number));
        query.addQueryItem(QStringLiteral("agent"), m_agent);
        WsKit::Connection *connection = dial(m_caseDialer, QStringLiteral("/runCase"), query);
        m_stream ? echoStreaming(connection) : echoWhole(connection);
        QObject::connect(connection, &WsKit::Connection::closed, connection, [this, connection, number] {
            connection->deleteLater();
            runCase(number + 1);
        });
    }

    static void echoWhole(WsKit::Connection *connection)
    {
        QObject::connect(connection, &WsKit::Connection::messageReceived, connection,
                         [connection](const QByteArray &payload, WsKit::Connection::MessageType type) {
                             connection->sendMessage(payload, type);
                         });
    }

    static void echoStreaming(WsKit::Connection *connection)
    {
        auto writer = std::make_shared<WsKit::MessageWriter>();
        QObject::connect(connection, &WsKit::Connection::messageChunkReceived, connection,
                         [connection, writer](const QByteArray &chunk, WsKit::Connection::MessageType type,
                                              bool first, bool last) {
                             if (first)
                                 *writer = connection->beginMessage(type);
                             if (last)
                                 writer->finish(chunk);
                             else
                                 writer->write(chunk);
                         });
    }

    void updateReports()
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("agent"), m_agent);
        WsKit::Connection *connection = dial(m_controlDialer, QStringLiteral("/updateReports"), query);
        QObject::connect(connection, &WsKit::Connection::closed, connection, [connection] {
            const bool ok = connection->error() == WsKit::Connection::Error::NoError;
            std::printf(ok ? "reports updated\n" : "updating the reports failed\n");
            connection->deleteLater();
            QCoreApplication::exit(ok ? 0 : 1);
        });
    }

    WsKit::Dialer m_caseDialer;
    WsKit::Dialer m_controlDialer; // getCaseCount and updateReports: whole text messages
    QUrl m_server;
    QString m_agent;
    bool m_stream;
    int m_caseCount = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Autobahn testsuite client testee"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The fuzzing server (default ws://127.0.0.1:9001)."));
    const QCommandLineOption agentOption(QStringLiteral("agent"), QStringLiteral("Agent name in the reports."),
                                         QStringLiteral("name"), QStringLiteral("WsKit"));
    const QCommandLineOption streamOption(QStringLiteral("stream"),
                                          QStringLiteral("Echo messages piece by piece as they arrive."));
    parser.addOption(agentOption);
    parser.addOption(streamOption);
    parser.process(app);
    const QStringList positional = parser.positionalArguments();
    const QUrl server(positional.isEmpty() ? QStringLiteral("ws://127.0.0.1:9001") : positional.first());

    Testee testee(server, parser.value(agentOption), parser.isSet(streamOption));
    testee.start();
    return app.exec();
}
