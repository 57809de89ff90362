// The chat example end to end: two pages in headless Chromium see each other, and
// each other's messages; a member that never reads is dropped while the others
// keep receiving every message, in order.

#include "browser.h"
#include "exampleserver.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRandomGenerator>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

using namespace TestSupport;
using WsKit::Connection;

namespace {

// A member of the room on a WsKit client connection, keeping every chat event.
struct Member {
    explicit Member(const QUrl &url)
    {
        WsKit::ConnectionOptions options;
        WsKit::CompressionOptions compression;
        compression.setEnabled(false);
        options.setCompression(compression);
        WsKit::Dialer dialer;
        dialer.setConnectionOptions(options);
        connection = dialer.dial(url, {}, &context);
        QObject::connect(connection, &Connection::textMessageReceived, &context, [this](const QString &text) {
            const QJsonObject event = QJsonDocument::fromJson(text.toUtf8()).object();
            const QString type = event.value(QStringLiteral("type")).toString();
            if (type == QStringLiteral("message"))
                messages.append(event.value(QStringLiteral("text")).toString());
            else if (type == QStringLiteral("members"))
                members = event.value(QStringLiteral("names")).toVariant().toStringList();
        });
    }

    bool isOpen() const { return connection && connection->state() == Connection::State::Open; }

    QObject context;
    QPointer<Connection> connection;
    QStringList messages;
    QStringList members; // the latest list
};

} // namespace

class tst_Chat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoPagesTalk();
    void slowMemberIsDropped();
};

void tst_Chat::twoPagesTalk()
{
    ExampleServer chat(QStringLiteral(WSKIT_EXAMPLE), {});
    QVERIFY2(chat.url().isValid(), chat.output().constData());
    Browser browser(QStringLiteral(WSKIT_CHROMIUM));
    QVERIFY2(browser.isReady(), browser.error().constData());

    const QString alice = browser.open(QUrl(chat.url().toString() + QStringLiteral("?name=alice")));
    const QString bob = browser.open(QUrl(chat.url().toString() + QStringLiteral("?name=bob")));
    QVERIFY2(!alice.isEmpty() && !bob.isEmpty(), browser.error().constData());
    QVERIFY2(browser.waitUntil(alice, QStringLiteral("document.getElementById('state').textContent == 'connected as alice'")),
             browser.error().constData());
    QVERIFY(browser.waitUntil(bob, QStringLiteral("document.getElementById('state').textContent == 'connected as bob'")));
    // Each page shows who is here.
    const QString bothHere = browser.contains(QStringLiteral("members"), QStringLiteral("alice")) + QStringLiteral(" && ")
        + browser.contains(QStringLiteral("members"), QStringLiteral("bob"));
    QVERIFY(browser.waitUntil(alice, bothHere));
    QVERIFY(browser.waitUntil(bob, bothHere));

    const auto say = [&browser](const QString &page, const QString &text) {
        return browser.submit(page, QStringLiteral("send"), QStringLiteral("message"), text);
    };
    const QString log = QStringLiteral("log");
    QVERIFY(say(alice, QStringLiteral("hello bob, this is alice \u00e9\u20ac")));
    QVERIFY2(browser.waitUntil(bob, browser.contains(log, QStringLiteral("alicehello bob, this is alice \u00e9\u20ac"))),
             browser.text(bob, log).toUtf8().constData());
    QVERIFY(say(bob, QStringLiteral("hi alice")));
    QVERIFY(browser.waitUntil(alice, browser.contains(log, QStringLiteral("bobhi alice"))));
    // Everyone gets every message, the sender too.
    QVERIFY(browser.waitUntil(alice, browser.contains(log, QStringLiteral("alicehello bob"))));

    // A page that leaves is gone from the other's list.
    QVERIFY(browser.close(bob));
    QVERIFY(browser.waitUntil(alice, browser.contains(log, QStringLiteral("bob left")) + QStringLiteral(" && !")
                                         + browser.contains(QStringLiteral("members"), QStringLiteral("bob"))));
    QCOMPARE(browser.text(alice, QStringLiteral("error")), QString());
}

void tst_Chat::slowMemberIsDropped()
{
    // Room for the bursts below: a member's unsent bytes include what a burst
    // queued before the event loop hands it to the kernel.
    constexpr int MaxBuffered = 128 * 1024;
    ExampleServer chat(QStringLiteral(WSKIT_EXAMPLE), {QStringLiteral("--max-buffered"), QString::number(MaxBuffered)});
    QVERIFY2(chat.url().isValid(), chat.output().constData());

    Member sender(chat.webSocketUrl(QStringLiteral("/ws?name=sender")));
    Member reader(chat.webSocketUrl(QStringLiteral("/ws?name=reader")));
    QTRY_VERIFY_WITH_TIMEOUT(sender.isOpen() && reader.isOpen(), 10000);

    // A member that never reads: the handshake by hand, then nothing.
    QTcpSocket slow;
    slow.connectToHost(QHostAddress::LocalHost, quint16(chat.url().port()));
    QVERIFY(slow.waitForConnected(10000));
    slow.write("GET /ws?name=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(reader.members, (QStringList{QStringLiteral("sender"), QStringLiteral("reader"),
                                                           QStringLiteral("slow")}),
                              10000);
    slow.setReadBufferSize(1);

    // Messages that do not compress, numbered, in batches: the room goes on until
    // the server has dropped the slow member. The kernel's socket buffers take
    // megabytes first, so the bound is far beyond them.
    constexpr int Batch = 20;
    constexpr int MaxMessages = 40000;
    QByteArray noise(2000, '\0');
    QRandomGenerator random(14);
    for (char &c : noise)
        c = char('a' + random.bounded(26));
    QStringList sent;
    while (reader.members.contains(QStringLiteral("slow")) && sent.size() < MaxMessages) {
        for (int i = 0; i < Batch; ++i) {
            sent.append(QStringLiteral("%1 %2").arg(sent.size()).arg(QString::fromLatin1(noise)));
            QVERIFY(sender.connection->sendText(sent.last()));
        }
        QTRY_COMPARE_WITH_TIMEOUT(reader.messages.size(), sent.size(), 20000);
    }
    QVERIFY2(!reader.members.contains(QStringLiteral("slow")),
             qPrintable(QStringLiteral("not dropped after %1 messages").arg(sent.size())));
    QCOMPARE(reader.members, (QStringList{QStringLiteral("sender"), QStringLiteral("reader")}));
    QVERIFY(chat.output().contains("dropping a member that does not keep up"));

    // The others got every message, in order, and the room goes on.
    sent.append(QStringLiteral("after the drop"));
    QVERIFY(sender.connection->sendText(sent.last()));
    QTRY_COMPARE_WITH_TIMEOUT(reader.messages.size(), sent.size(), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(sender.messages.size(), sent.size(), 20000);
    QVERIFY(reader.messages == sent);
    QVERIFY(sender.messages == sent);
    QVERIFY(sender.isOpen() && reader.isOpen());
}

QTEST_MAIN(tst_Chat)
#include "tst_chat.moc"
