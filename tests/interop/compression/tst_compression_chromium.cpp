// permessage-deflate against a browser: headless Chromium (Debian chromium) loads a
// page from our Server whose script echoes compressible messages of 10 to 100 KB
// through a WebSocket, checks every echo, and reports the result and the
// extensions it negotiated over the same WebSocket. The server side checks the
// agreement and that the wire carried fewer bytes than the messages both ways.

#include "compressioninterop.h"

#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace CompressionInterop;

class tst_CompressionChromium : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chromium_data();
    void chromium();
};

void tst_CompressionChromium::chromium_data()
{
    QTest::addColumn<Settings>("serverSettings");
    QTest::addColumn<QString>("extensions"); // as the page's WebSocket reports them
    QTest::addColumn<Settings>("agreed");     // from the server's side

    QTest::newRow("defaults") << Settings{} << QStringLiteral("permessage-deflate; server_max_window_bits=12")
                              << Settings{12, false, 15, false};
    QTest::newRow("no context takeover")
        << Settings{15, true, 15, true}
        << QStringLiteral("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        << Settings{15, true, 15, true};
    QTest::newRow("max window bits") << Settings{9, false, 10, false}
                                     << QStringLiteral("permessage-deflate; server_max_window_bits=9; client_max_window_bits=10")
                                     << Settings{9, false, 10, false};
}

void tst_CompressionChromium::chromium()
{
    QFETCH(Settings, serverSettings);
    QFETCH(QString, extensions);
    QFETCH(Settings, agreed);

    QFile pageFile(QStringLiteral(WSKIT_COMPRESSION_PEERS "/chromium_page.html"));
    QVERIFY(pageFile.open(QIODevice::ReadOnly));
    const QByteArray page = pageFile.readAll();
    EchoServer fixture(serverSettings.options());
    fixture.server.setWebSocketPaths({QStringLiteral("/ws")});
    fixture.server.setHttpHandler([&page](const WsKit::HttpRequest &request, WsKit::HttpResponse &response) {
        if (request.path() != QStringLiteral("/"))
            return; // 404
        response.setStatusCode(200);
        response.setBody(page, "text/html; charset=utf-8");
    });
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));

    QTemporaryDir profile;
    QVERIFY(profile.isValid());
    // No --dump-dom: the browser stays up until the page reported over the
    // WebSocket, and is killed then (or at the deadline).
    Peer chromium(QStringLiteral(WSKIT_CHROMIUM),
                  {QStringLiteral("--headless"), QStringLiteral("--no-sandbox"), QStringLiteral("--disable-gpu"),
                   QStringLiteral("--disable-quic"), QStringLiteral("--no-first-run"),
                   QStringLiteral("--disable-background-networking"), QStringLiteral("--disable-component-update"),
                   QStringLiteral("--disable-sync"), QStringLiteral("--disable-dev-shm-usage"),
                   QStringLiteral("--user-data-dir=") + profile.path(),
                   QStringLiteral("http://127.0.0.1:%1/").arg(fixture.server.serverPort())});
    QVERIFY(chromium.started());
    const auto reported = [&fixture] {
        for (const QByteArray &message : std::as_const(fixture.received)) {
            if (message.startsWith("RESULT "))
                return message.mid(7);
        }
        return QByteArray();
    };
    const bool done = QTest::qWaitFor([&] { return !reported().isEmpty(); }, 60000);
    QVERIFY2(done, chromium.output().right(4000).constData());
    QCOMPARE(QString::fromUtf8(reported()), QStringLiteral("ok ") + extensions);
    QCOMPARE(fixture.negotiated, QList<bool>{true});
    QCOMPARE(fixture.agreed.first(), agreed);
    const Traffic &traffic = fixture.traffic.first();
    qInfo() << describe(traffic).constData();
    QVERIFY2(wasCompressed(traffic), describe(traffic).constData());
}

QTEST_MAIN(tst_CompressionChromium)
#include "tst_compression_chromium.moc"
