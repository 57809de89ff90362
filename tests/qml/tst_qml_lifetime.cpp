// Who frees the WebSocket a WebSocketServer hands to clientConnected: the server while
// it is open; the JavaScript collector once it closed, and only when no script refers
// to it any more, so that script holding one still reads it as QtWebSockets' does.

#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtCore/QScopedPointer>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtTest/QTest>

#include <functional>

namespace {

// Counts the objects QML hands it and how many of them were destroyed.
class Tracker : public QObject
{
    Q_OBJECT

public:
    int tracked = 0;
    int destroyed = 0;

public Q_SLOTS:
    void track(QObject *object)
    {
        ++tracked;
        connect(object, &QObject::destroyed, this, [this] { ++destroyed; });
    }
};

constexpr char scene[] = R"(
import QtQuick
import WsKit

QtObject {
    property bool keep: false
    property var kept: []
    property WebSocketServer server: WebSocketServer {
        listen: true
        onClientConnected: (webSocket) => {
            tracker.track(webSocket)
            if (keep)
                kept.push(webSocket)
        }
    }
    property WebSocket client: WebSocket {}

    function connectClient() { client.url = server.url; client.active = true }
    function keptStatus(index) { return kept[index].status }
    function keptSend(index) { return kept[index].sendTextMessage("late") }
    function forget() { kept = [] }
}
)";

} // namespace

class tst_QmlLifetime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void closedClientsAreCollected();
    void keptClientsStayReadable();
    void serverDestroyedWithOpenClients();

private:
    // Collects garbage and runs deferred deletions until done() holds.
    bool collectUntil(const std::function<bool()> &done, int timeout = 10000);
    bool openAndClose(int times);

    QScopedPointer<QQmlEngine> m_engine;
    QScopedPointer<QObject> m_root;
    Tracker m_tracker;
};

void tst_QmlLifetime::init()
{
    m_tracker.tracked = 0;
    m_tracker.destroyed = 0;
    m_engine.reset(new QQmlEngine);
    m_engine->addImportPath(QStringLiteral(WSKIT_QML_BUILD_DIR));
    m_engine->rootContext()->setContextProperty(QStringLiteral("tracker"), &m_tracker);
    QQmlComponent component(m_engine.data());
    component.setData(scene, QUrl::fromLocalFile(QStringLiteral(WSKIT_QML_BUILD_DIR "/lifetime.qml")));
    QVERIFY2(component.isReady(), qPrintable(component.errorString()));
    m_root.reset(component.create());
    QVERIFY(m_root);
}

void tst_QmlLifetime::cleanup()
{
    m_root.reset();
    m_engine.reset();
}

bool tst_QmlLifetime::collectUntil(const std::function<bool()> &done, int timeout)
{
    return QTest::qWaitFor([&] {
        m_engine->collectGarbage();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        return done();
    }, timeout);
}

bool tst_QmlLifetime::openAndClose(int times)
{
    QObject *client = m_root->property("client").value<QObject *>();
    for (int round = 0; round < times; ++round) {
        QMetaObject::invokeMethod(m_root.data(), "connectClient");
        if (!QTest::qWaitFor([&] { return client->property("status").toInt() == 1; }, 10000))
            return false;
        client->setProperty("active", false);
        if (!QTest::qWaitFor([&] { return client->property("status").toInt() == 3; }, 10000))
            return false;
    }
    QObject *server = m_root->property("server").value<QObject *>();
    return QTest::qWaitFor([&] { return server->property("clients").value<QQmlListReference>().count() == 0; },
                           10000);
}

void tst_QmlLifetime::closedClientsAreCollected()
{
    QVERIFY(openAndClose(5));
    QCOMPARE(m_tracker.tracked, 5);
    QVERIFY2(collectUntil([this] { return m_tracker.destroyed == 5; }),
             qPrintable(QStringLiteral("%1 of 5 freed").arg(m_tracker.destroyed)));
}

void tst_QmlLifetime::keptClientsStayReadable()
{
    m_root->setProperty("keep", true);
    QVERIFY(openAndClose(2));
    // Referred to from script: not freed, and still answering as a closed WebSocket.
    QVERIFY(!collectUntil([this] { return m_tracker.destroyed > 0; }, 500));
    QVariant status;
    QVERIFY(QMetaObject::invokeMethod(m_root.data(), "keptStatus", Q_RETURN_ARG(QVariant, status), Q_ARG(QVariant, 1)));
    QCOMPARE(status.toInt(), 3); // Closed
    QVariant sent;
    QVERIFY(QMetaObject::invokeMethod(m_root.data(), "keptSend", Q_RETURN_ARG(QVariant, sent), Q_ARG(QVariant, 0)));
    QCOMPARE(sent.toInt(), 0);
    // Forgotten: freed.
    QVERIFY(QMetaObject::invokeMethod(m_root.data(), "forget"));
    QVERIFY(collectUntil([this] { return m_tracker.destroyed == 2; }));
}

void tst_QmlLifetime::serverDestroyedWithOpenClients()
{
    QObject *client = m_root->property("client").value<QObject *>();
    QMetaObject::invokeMethod(m_root.data(), "connectClient");
    QVERIFY(QTest::qWaitFor([&] { return client->property("status").toInt() == 1 && m_tracker.tracked == 1; }, 10000));
    QPointer<QObject> server = m_root->property("server").value<QObject *>();
    delete server.data();
    // Its open client went with it; the other end learns that the TCP connection ended.
    QCOMPARE(m_tracker.destroyed, 1);
    QVERIFY(QTest::qWaitFor([&] { return client->property("status").toInt() == 4; }, 10000));
    QCOMPARE(client->property("closeCode").toInt(), 1006);
}

QTEST_GUILESS_MAIN(tst_QmlLifetime)
#include "tst_qml_lifetime.moc"
