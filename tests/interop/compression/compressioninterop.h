#pragma once
// Shared by the compression interop tests: our Server echoing every message with
// given compression options and keeping each connection's agreement, a foreign
// peer run as a bounded child process, and the agreement as both sides name it.

#include <WsKit/compressionoptions.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QProcess>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

#include "childprocess.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <functional>

namespace CompressionInterop {

// What one connection's messages weighed and what the wire carried for them.
struct Traffic {
    qint64 payloadIn = 0;  // bytes of the messages received
    qint64 payloadOut = 0; // bytes of the echoes the peer has had time to read
    qint64 wireIn = 0;     // TCP payload bytes received since the handshake
    qint64 wireOut = 0;    // TCP payload bytes sent and acknowledged since the handshake
};

// TCP payload bytes received, and sent and acknowledged, on socket so far (Linux
// TCP_INFO): what the wire carried, whatever library the peer uses.
inline QPair<qint64, qint64> tcpBytes(const QTcpSocket *socket)
{
    tcp_info info{};
    socklen_t size = sizeof info;
    if (getsockopt(int(socket->socketDescriptor()), IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return {-1, -1};
    return {qint64(info.tcpi_bytes_received), qint64(info.tcpi_bytes_acked)};
}

// The negotiable settings of one side (CompressionOptions' names).
struct Settings {
    int windowBits = WsKit::CompressionOptions::DefaultWindowBits;
    bool noContextTakeover = false;
    int peerWindowBits = WsKit::CompressionOptions::DefaultPeerWindowBits;
    bool peerNoContextTakeover = false;

    WsKit::CompressionOptions options() const
    {
        WsKit::CompressionOptions result;
        result.setWindowBits(windowBits);
        result.setNoContextTakeover(noContextTakeover);
        result.setPeerWindowBits(peerWindowBits);
        result.setPeerNoContextTakeover(peerNoContextTakeover);
        result.setThreshold(0);
        return result;
    }

    static Settings of(const WsKit::CompressionOptions &options)
    {
        return {options.windowBits(), options.noContextTakeover(), options.peerWindowBits(),
                options.peerNoContextTakeover()};
    }

    bool operator==(const Settings &other) const
    {
        return windowBits == other.windowBits && noContextTakeover == other.noContextTakeover
            && peerWindowBits == other.peerWindowBits && peerNoContextTakeover == other.peerNoContextTakeover;
    }

    // The same agreement in RFC 7692's terms, for a peer on the other side of role.
    QJsonObject rfcParameters(WsKit::Connection::Role role) const
    {
        const bool server = role == WsKit::Connection::Role::Server;
        return {{QStringLiteral("server_no_context_takeover"), server ? noContextTakeover : peerNoContextTakeover},
                {QStringLiteral("client_no_context_takeover"), server ? peerNoContextTakeover : noContextTakeover},
                {QStringLiteral("server_max_window_bits"), server ? windowBits : peerWindowBits},
                {QStringLiteral("client_max_window_bits"), server ? peerWindowBits : windowBits}};
    }
};

inline char *toString(const Settings &settings)
{
    return QTest::toString(QStringLiteral("{window %1, noContext %2, peerWindow %3, peerNoContext %4}")
                               .arg(settings.windowBits)
                               .arg(settings.noContextTakeover)
                               .arg(settings.peerWindowBits)
                               .arg(settings.peerNoContextTakeover));
}

inline QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// Our Server echoing every message, text as text and binary as binary.
struct EchoServer {
    explicit EchoServer(const WsKit::CompressionOptions &compression)
    {
        WsKit::ConnectionOptions options;
        options.setCompression(compression);
        options.setMaxMessageSize(64 * 1024 * 1024);
        WsKit::Upgrader upgrader;
        upgrader.allowAnyOrigin();
        upgrader.setConnectionOptions(options);
        server.setUpgrader(upgrader);
        QObject::connect(&server, &WsKit::Server::newConnection, &server, [this](WsKit::Connection *connection) {
            using WsKit::Connection;
            negotiated.append(connection->isCompressionNegotiated());
            agreed.append(Settings::of(connection->negotiatedCompression()));
            const qsizetype index = traffic.size();
            traffic.append(Traffic());
            const QPair<qint64, qint64> start = tcpBytes(connection->socket());
            QObject::connect(connection, &Connection::messageReceived, connection,
                             [this, connection, index, start](const QByteArray &payload, Connection::MessageType type) {
                                 // The peers send a message once the previous echo arrived,
                                 // so the acknowledged bytes cover every echo but this one.
                                 Traffic &counted = traffic[index];
                                 const QPair<qint64, qint64> now = tcpBytes(connection->socket());
                                 counted.payloadIn += payload.size();
                                 counted.wireIn = now.first - start.first;
                                 counted.wireOut = now.second - start.second;
                                 counted.payloadOut = counted.payloadIn - payload.size();
                                 received.append(payload);
                                 connection->sendMessage(payload, type);
                                 if (afterEcho)
                                     afterEcho(connection, received.size());
                             });
        });
    }

    WsKit::Server server;
    QList<bool> negotiated;
    QList<Settings> agreed; // from the server's side, one per connection
    QList<Traffic> traffic; // one per connection
    QList<QByteArray> received;
    // Called after each echo with the number of messages received so far.
    std::function<void(WsKit::Connection *connection, qsizetype received)> afterEcho;
};

// Both directions carried fewer bytes than the messages: uncompressed, frame
// headers make the wire longer than the payloads; an 8-bit window (Huffman codes
// only) still takes off a quarter.
inline bool wasCompressed(const Traffic &traffic)
{
    return traffic.wireIn > 0 && traffic.wireOut > 0 && traffic.wireIn < traffic.payloadIn * 3 / 4
        && traffic.wireOut < traffic.payloadOut * 3 / 4;
}

inline QByteArray describe(const Traffic &traffic)
{
    return QStringLiteral("in: %1 payload bytes in %2 on the wire; out: %3 in %4")
        .arg(traffic.payloadIn)
        .arg(traffic.wireIn)
        .arg(traffic.payloadOut)
        .arg(traffic.wireOut)
        .toUtf8();
}

// Compressible messages of 10 to 100 KB (JSON and text), a repeat, small and empty
// ones and a binary one, as the peers' own scripts send them.
inline QList<QPair<WsKit::Connection::MessageType, QByteArray>> echoMessages()
{
    using Type = WsKit::Connection::MessageType;
    const auto feed = [](int records) {
        QByteArray json = "[";
        for (int i = 0; i < records; ++i) {
            json += QStringLiteral(R"(%1{"id":%2,"user":"user%3","score":%4,"active":%5,"tags":["urgent","billing"]})")
                        .arg(i ? QStringLiteral(",") : QString())
                        .arg(i)
                        .arg(i * 7 % 5)
                        .arg(double(i * 7919 % 100000) / 100)
                        .arg(i % 3 ? QStringLiteral("true") : QStringLiteral("false"))
                        .toUtf8();
        }
        return json + "]";
    };
    return {{Type::Text, feed(100)},
            {Type::Text, feed(300)},
            {Type::Text, feed(900)},
            {Type::Text, feed(100)}, // the same again: context takeover pays here
            {Type::Binary, QByteArray("the quick brown fox jumps over the lazy dog. ").repeated(300)},
            {Type::Text, QByteArray()},
            {Type::Text, "x"},
            {Type::Text, QByteArray("h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac").repeated(10)}};
}

// Dials url with compression and waits for the outcome; nullptr and why on failure.
inline WsKit::Connection *dial(const QUrl &url, const WsKit::CompressionOptions &compression, QObject *parent,
                               QString &why)
{
    WsKit::ConnectionOptions options;
    options.setCompression(compression);
    options.setMaxMessageSize(64 * 1024 * 1024);
    WsKit::Dialer dialer;
    dialer.setConnectionOptions(options);
    WsKit::Connection *connection = dialer.dial(url, {}, parent);
    bool opened = false;
    bool failed = false;
    QObject context;
    QObject::connect(connection, &WsKit::Connection::opened, &context, [&opened] { opened = true; });
    QObject::connect(connection, &WsKit::Connection::errorOccurred, &context,
                     [&failed, &why](WsKit::Connection::Error, const QString &text) {
                         failed = true;
                         why = text;
                     });
    if (!QTest::qWaitFor([&] { return opened || failed; }, 10000) || failed) {
        if (why.isEmpty())
            why = QStringLiteral("the dial did not end in time");
        delete connection;
        return nullptr;
    }
    return connection;
}

// Sends echoMessages() one at a time through an echo peer and checks each echo;
// returns what went wrong (empty when nothing did) and counts the traffic.
// beforeSend, when given, is called with each message's index before it is sent.
inline QString echoThrough(WsKit::Connection *connection, Traffic &traffic,
                           const std::function<void(qsizetype index)> &beforeSend = {})
{
    QList<QByteArray> echoes;
    QObject context;
    QObject::connect(connection, &WsKit::Connection::messageReceived, &context,
                     [&echoes](const QByteArray &payload) { echoes.append(payload); });
    const QPair<qint64, qint64> start = tcpBytes(connection->socket());
    const auto messages = echoMessages();
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const QByteArray &payload = messages.at(i).second;
        if (beforeSend)
            beforeSend(i);
        if (!connection->sendMessage(payload, messages.at(i).first))
            return QStringLiteral("message %1 refused: %2").arg(i).arg(connection->errorString());
        if (!QTest::qWaitFor([&] { return echoes.size() > i; }, 10000))
            return QStringLiteral("no echo of message %1 (%2)").arg(i).arg(connection->errorString());
        if (echoes.at(i) != payload)
            return QStringLiteral("echo %1 differs: %2 bytes, sent %3").arg(i).arg(echoes.at(i).size()).arg(payload.size());
        traffic.payloadIn += payload.size();
        traffic.payloadOut += payload.size();
    }
    const QPair<qint64, qint64> end = tcpBytes(connection->socket());
    traffic.wireIn = end.first - start.first;
    traffic.wireOut = end.second - start.second;
    return {};
}

// For echoThrough(): changes connection's compression before each message, as
// an application may on an open connection: levels 9, 0, 1, 6, 0, 9, 3, 1 in
// turn, and no compression at all for the fifth message. The peer must decode
// every message.
inline std::function<void(qsizetype)> changingCompression(WsKit::Connection *connection)
{
    return [connection](qsizetype index) {
        static constexpr int levels[] = {9, 0, 1, 6, 0, 9, 3, 1};
        WsKit::ConnectionOptions options = connection->options();
        WsKit::CompressionOptions compression = options.compression();
        compression.setLevel(levels[index % 8]);
        compression.setEnabled(index != 4);
        options.setCompression(compression);
        connection->setOptions(options);
    };
}

// A foreign peer run as a child process in a process group of its own.
using Peer = TestSupport::ChildProcess;

// Dials the echo server a peer started (it printed "port N") with compression;
// nullptr and why on failure.
inline WsKit::Connection *dialPeer(Peer &peer, const WsKit::CompressionOptions &compression, QObject *parent,
                                   QString &why)
{
    const quint16 port = peer.waitForLine("port ", 10000).toUShort();
    if (port == 0) {
        why = QStringLiteral("the peer printed no port: ") + QString::fromUtf8(peer.output());
        return nullptr;
    }
    return dial(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)), compression, parent, why);
}

} // namespace CompressionInterop

Q_DECLARE_METATYPE(CompressionInterop::Settings)
