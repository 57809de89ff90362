// A PreparedMessage broadcast received by Python's websockets (Debian
// python3-websockets) on every kind of connection at once: uncompressed, compressed
// with the server's context takeover (compressed by its own deflater) and without it
// at two windows (shared bytes). Each receiver reports a digest of every message.

#include <WsKit/connection.h>
#include <WsKit/preparedmessage.h>
#include <WsKit/server.h>

#include <QtCore/QCryptographicHash>
#include <QtCore/QProcess>
#include <QtTest/QTest>

using namespace WsKit;

class tst_PreparedPython : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void broadcast();
};

void tst_PreparedPython::broadcast()
{
    Server server;
    QList<QPair<QByteArray, Connection *>> ready; // kind, connection
    connect(&server, &Server::newConnection, this, [&ready](Connection *connection) {
        connect(connection, &Connection::messageReceived, connection, [&ready, connection](const QByteArray &payload) {
            if (payload.startsWith("ready "))
                ready.append({payload.mid(6), connection});
        });
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    QByteArray json = "[";
    for (int i = 0; i < 400; ++i)
        json += (i ? "," : "") + QStringLiteral(R"({"id":%1,"name":"user%2","online":true})").arg(i).arg(i % 9).toUtf8();
    json += "]";
    QByteArray noise(70000, '\0');
    for (qsizetype i = 0; i < noise.size(); ++i)
        noise[i] = char((i * 7919 + i / 13) & 0xff);
    const QList<PreparedMessage> messages = {
        PreparedMessage(QString::fromUtf8(json)),
        PreparedMessage(QStringLiteral("hi")),
        PreparedMessage(noise, Connection::MessageType::Binary),
        PreparedMessage(QString()),
        PreparedMessage(json.repeated(20), Connection::MessageType::Text),
        PreparedMessage(QStringLiteral("h\u00e9llo w\u00f6rld \u20ac ").repeated(30)),
    };

    QProcess python;
    python.setProcessChannelMode(QProcess::SeparateChannels);
    python.start(QStringLiteral(WSKIT_PYTHON),
                 {QStringLiteral(WSKIT_INTEROP_DIR "/prepared_python.py"),
                  QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort()), QString::number(messages.size())});
    QVERIFY(python.waitForStarted());
    const bool allReady = QTest::qWaitFor([&] { return ready.size() == 4 || python.state() == QProcess::NotRunning; },
                                          30000);
    QVERIFY2(allReady && ready.size() == 4, python.readAllStandardError().constData());

    for (const PreparedMessage &message : messages) {
        for (const auto &[kind, connection] : std::as_const(ready))
            QVERIFY2(connection->sendPrepared(message), kind.constData());
    }
    QTRY_COMPARE_WITH_TIMEOUT(python.state(), QProcess::NotRunning, 60000);
    const QByteArray errors = python.readAllStandardError();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, errors.constData());

    QStringList expected;
    for (const char *kind : {"uncompressed", "takeover", "fresh", "fresh9"}) {
        for (qsizetype i = 0; i < messages.size(); ++i) {
            const PreparedMessage &message = messages.at(i);
            expected.append(QStringLiteral("%1 %2 %3 %4")
                                .arg(QString::fromLatin1(kind))
                                .arg(i)
                                .arg(message.type() == Connection::MessageType::Text ? QStringLiteral("text")
                                                                                     : QStringLiteral("binary"))
                                .arg(QString::fromLatin1(
                                    QCryptographicHash::hash(message.payload(), QCryptographicHash::Sha256).toHex())));
        }
    }
    expected.sort();
    const QStringList reported = QString::fromUtf8(python.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(reported, expected);

    // Compressed messages: one encoding for the uncompressed receiver and one per
    // window without context takeover; the receiver with context takeover
    // compressed on its own. Under the threshold (128 bytes): one for all.
    QCOMPARE(messages.at(0).encodingCount(), 3);
    QCOMPARE(messages.at(1).encodingCount(), 1);
    QCOMPARE(messages.at(3).encodingCount(), 1);
}

QTEST_MAIN(tst_PreparedPython)
#include "tst_prepared_python.moc"
