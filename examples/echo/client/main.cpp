// Echo client: connects to a WebSocket echo server, sends the time every
// second, prints every reply, and on Ctrl-C closes the connection cleanly
// (close frame, then waits for the server's) before it exits.
//
//   echo_client [ws://127.0.0.1:8080/echo] [--origin URL] [--insecure] [--no-compression]

#include <WsKit/connection.h>
#include <WsKit/dialer.h>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslSocket>

#include <csignal>
#include <fcntl.h>
#include <cstdio>
#include <unistd.h>

namespace {

// Ctrl-C (SIGINT) and SIGTERM reach the event loop through a pipe: the handler
// only writes a byte, which is all a signal handler may safely do.
int signalPipe[2] = {-1, -1};

extern "C" void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(signalPipe[1], &byte, 1);
}

bool catchInterrupts()
{
    // The handler must never block: a full pipe already holds an interrupt.
    if (::pipe(signalPipe) != 0 || ::fcntl(signalPipe[1], F_SETFL, O_NONBLOCK) != 0)
        return false;
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(SIGINT, &action, nullptr) == 0 && sigaction(SIGTERM, &action, nullptr) == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("WebSocket echo client: sends the time every second"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("Server URL (default ws://127.0.0.1:8080/echo)."));
    const QCommandLineOption originOption(QStringLiteral("origin"), QStringLiteral("Origin header to send."),
                                          QStringLiteral("url"));
    const QCommandLineOption insecureOption(QStringLiteral("insecure"),
                                            QStringLiteral("wss: do not verify the server's certificate."));
    const QCommandLineOption noCompressionOption(QStringLiteral("no-compression"),
                                                 QStringLiteral("Do not offer permessage-deflate."));
    parser.addOption(originOption);
    parser.addOption(insecureOption);
    parser.addOption(noCompressionOption);
    parser.process(app);
    const QStringList positional = parser.positionalArguments();
    const QUrl url(positional.isEmpty() ? QStringLiteral("ws://127.0.0.1:8080/echo") : positional.first());

    if (!catchInterrupts())
        qWarning("cannot catch Ctrl-C; it will end the program at once");

    WsKit::Dialer dialer;
    // permessage-deflate is offered by default; the server decides.
    WsKit::ConnectionOptions options;
    WsKit::CompressionOptions compression;
    compression.setEnabled(!parser.isSet(noCompressionOption));
    options.setCompression(compression);
    dialer.setConnectionOptions(options);
    if (parser.isSet(insecureOption)) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        dialer.setSslConfiguration(tls);
    }
    WsKit::HttpHeaderList headers;
    if (parser.isSet(originOption))
        headers.append({"Origin", parser.value(originOption).toUtf8()});

    std::printf("connecting to %s\n", qPrintable(url.toDisplayString()));
    WsKit::Connection *connection = dialer.dial(url, headers, &app);
    QTimer ticker;
    ticker.setInterval(1000);

    QObject::connect(connection, &WsKit::Connection::opened, &ticker, [&ticker, connection] {
        std::printf("connected (%s); Ctrl-C to close\n",
                    connection->isCompressionNegotiated() ? "compressed" : "uncompressed");
        ticker.start();
    });
    QObject::connect(&ticker, &QTimer::timeout, connection, [connection] {
        connection->sendText(QDateTime::currentDateTime().toString(Qt::ISODateWithMs));
    });
    QObject::connect(connection, &WsKit::Connection::textMessageReceived, connection, [](const QString &text) {
        std::printf("recv: %s\n", qPrintable(text));
        std::fflush(stdout);
    });
    QObject::connect(connection, &WsKit::Connection::errorOccurred, connection,
                     [](WsKit::Connection::Error, const QString &text) {
                         std::fprintf(stderr, "error: %s\n", qPrintable(text));
                     });
    int exitCode = 0;
    QObject::connect(connection, &WsKit::Connection::closed, &app,
                     [&app, &ticker, &exitCode, connection](quint16 code, const QString &reason) {
                         ticker.stop();
                         std::printf("closed: %u %s\n", unsigned(code), qPrintable(reason));
                         exitCode = connection->error() == WsKit::Connection::Error::NoError ? 0 : 1;
                         app.quit();
                     });

    // The first interrupt starts the closing handshake; a second one gives up on it.
    QSocketNotifier interrupts(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&interrupts, &QSocketNotifier::activated, connection, [connection, &ticker] {
        // Signals that arrived together count as one interrupt.
        char bytes[16];
        [[maybe_unused]] const ssize_t bytesRead = ::read(signalPipe[0], bytes, sizeof bytes);
        ticker.stop();
        if (connection->state() == WsKit::Connection::State::Open) {
            std::printf("closing\n");
            connection->close(1000, QStringLiteral("bye"));
        } else {
            connection->abort();
        }
    });
    interrupts.setEnabled(signalPipe[0] >= 0);

    app.exec();
    return exitCode;
}
