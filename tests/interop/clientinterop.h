#pragma once
// What the client interop tests share: starting a peer program that prints
// "READY <port>", reading the handshake report a peer sends first, the
// exchanges every peer must echo, and a refused upgrade.

#include "dialertestutil.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcessEnvironment>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

namespace ClientInterop {

using namespace DialerTest;

// Starts program and returns the port it printed, or 0 (output() says why).
inline quint16 startPeer(ChildProcess &peer, const QString &program, const QStringList &arguments)
{
    if (!peer.start(program, arguments, QRegularExpression(QStringLiteral("^READY (\\d+)"))))
        return 0;
    return static_cast<quint16>(peer.readyMatch().captured(1).toUInt());
}

// The peer's first message: its JSON report of the handshake.
inline QJsonObject handshakeReport(MessageQueue &messages)
{
    return QJsonDocument::fromJson(messages.take()).object();
}

// Sends messages of several kinds and sizes and checks that each comes back
// unchanged and in order.
inline void checkEchoes(Connection *connection)
{
    QList<QByteArray> sent;
    QList<QByteArray> received;
    QList<Connection::MessageType> receivedTypes;
    QObject context;
    QObject::connect(connection, &Connection::messageReceived, &context,
                     [&](const QByteArray &payload, Connection::MessageType type) {
                         received.append(payload);
                         receivedTypes.append(type);
                     });
    QList<Connection::MessageType> sentTypes;
    const auto send = [&](const QByteArray &payload, Connection::MessageType type) {
        QVERIFY(connection->sendMessage(payload, type));
        sent.append(payload);
        sentTypes.append(type);
    };
    send(QStringLiteral("Grüße, 世界 🌍").toUtf8(), Connection::MessageType::Text);
    send(QByteArray(), Connection::MessageType::Text);
    send(QByteArray(), Connection::MessageType::Binary);
    QByteArray binary(1024 * 1024 + 3, Qt::Uninitialized);
    for (qsizetype i = 0; i < binary.size(); ++i)
        binary[i] = static_cast<char>(i * 7 + i / 251);
    send(binary, Connection::MessageType::Binary);
    for (int i = 0; i < 100; ++i)
        send(QByteArray::number(i), Connection::MessageType::Text);
    QVERIFY(spinUntil([&] { return received.size() >= sent.size(); }, 20s));
    QCOMPARE(received.size(), sent.size());
    for (qsizetype i = 0; i < sent.size(); ++i) {
        QCOMPARE(received[i], sent[i]);
        QCOMPARE(receivedTypes[i], sentTypes[i]);
    }
}

// Dials url on a peer that sends its handshake report first, checks the echoes
// and closes normally.
inline void checkEchoesAndClose(const QUrl &url)
{
    WsKit::Dialer dialer;
    QObject owner;
    Connection *connection = dialer.dial(url, {}, &owner);
    MessageQueue messages(connection);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QVERIFY(!handshakeReport(messages).isEmpty());
    checkEchoes(connection);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(closeAndWait(connection), 1000);
    QCOMPARE(connection->error(), Connection::Error::NoError);
}

// What a peer answers when it refuses the upgrade.
struct Refusal {
    int status = 0;
    QString reason; // the reason phrase of the status line
    QByteArray body;
    QByteArray field; // a header field the peer adds, with this value
    QByteArray value;
};

// Dials url on a peer that refuses the upgrade: the dial fails with
// HandshakeFailed, naming the status line, and the response is the peer's.
inline void checkRefusal(const QUrl &url, const Refusal &expected)
{
    WsKit::Dialer dialer;
    QObject owner;
    Connection *connection = dialer.dial(url, {}, &owner);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeFailed);
    const QString statusLine = QStringLiteral("%1 %2").arg(expected.status).arg(expected.reason);
    QVERIFY2(outcome.errorString.contains(statusLine), qPrintable(outcome.errorString));
    const WsKit::HttpResponse response = connection->handshakeResponse();
    QCOMPARE(response.statusCode(), expected.status);
    QCOMPARE(response.body(), expected.body);
    QByteArrayList values;
    for (const auto &[name, value] : response.headers()) {
        if (name.compare(expected.field, Qt::CaseInsensitive) == 0)
            values.append(value);
    }
    QCOMPARE(values, QByteArrayList{expected.value});
}

} // namespace ClientInterop
