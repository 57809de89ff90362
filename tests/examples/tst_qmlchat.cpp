// The qmlchat example end to end: its Qt Quick client (Main.qml, loaded as the
// example loads it, offscreen) and a page in headless Chromium in the same room of
// the chat example's server; messages both ways, then the server goes away and
// comes back, and both reconnect on their own.

#include "browser.h"
#include "exampleserver.h"

#include <QtCore/QAbstractItemModel>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickItem>
#include <QtTest/QTest>

#include <memory>

using namespace TestSupport;

namespace {

// The Qt Quick client, as a person sees and uses it: by its objects' names.
class QmlChat
{
public:
    QmlChat(const QUrl &room, const QString &nickname)
    {
        m_engine.addImportPath(QStringLiteral(WSKIT_QML_IMPORT_PATH));
        m_engine.setInitialProperties(
            {{QStringLiteral("serverUrl"), room.toString()}, {QStringLiteral("nickname"), nickname}});
        m_engine.load(QUrl::fromLocalFile(QStringLiteral(WSKIT_QMLCHAT_QML)));
    }

    QObject *window() const { return m_engine.rootObjects().value(0); }
    QObject *item(const char *name) const
    {
        return window() ? window()->findChild<QObject *>(QString::fromLatin1(name)) : nullptr;
    }

    QString status() const { return item("statusLabel") ? item("statusLabel")->property("text").toString() : QString(); }

    // Every message shown, as "from: text".
    QStringList messages() const
    {
        QObject *list = item("messages");
        const auto *model = list ? qvariant_cast<QAbstractItemModel *>(list->property("model")) : nullptr;
        QStringList shown;
        if (!model)
            return shown;
        const int from = model->roleNames().key("from");
        const int text = model->roleNames().key("text");
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, 0);
            shown.append(model->data(index, from).toString() + QStringLiteral(": ") + model->data(index, text).toString());
        }
        return shown;
    }

    int memberCount() const { return item("members") ? item("members")->property("count").toInt() : 0; }

    // Types text into the message field and presses Enter.
    bool say(const QString &text)
    {
        QObject *field = item("messageField");
        if (!field || !field->property("enabled").toBool())
            return false;
        field->setProperty("text", text);
        return QMetaObject::invokeMethod(field, "accepted");
    }

private:
    QQmlApplicationEngine m_engine;
};

} // namespace

class tst_QmlChat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withABrowserInTheRoom();
};

void tst_QmlChat::withABrowserInTheRoom()
{
    auto chat = std::make_unique<ExampleServer>(QStringLiteral(WSKIT_CHAT), QStringList{});
    QVERIFY2(chat->url().isValid(), chat->output().constData());
    const quint16 port = quint16(chat->url().port());
    Browser browser(QStringLiteral(WSKIT_CHROMIUM));
    QVERIFY2(browser.isReady(), browser.error().constData());
    const QString page = browser.open(QUrl(chat->url().toString() + QStringLiteral("?name=alice")));
    QVERIFY2(browser.waitUntil(page, QStringLiteral("document.getElementById('state').textContent == 'connected as alice'")),
             browser.error().constData());

    QmlChat qml(chat->webSocketUrl(QStringLiteral("/ws")), QStringLiteral("quick"));
    QVERIFY(qml.window());
    QTRY_COMPARE_WITH_TIMEOUT(qml.status(), QStringLiteral("connected as quick"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(qml.memberCount(), 2, 20000);
    QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("members"), QStringLiteral("quick"))));

    // Both ways.
    QVERIFY(browser.submit(page, QStringLiteral("send"), QStringLiteral("message"), QStringLiteral("hello, quick")));
    QTRY_VERIFY_WITH_TIMEOUT(qml.messages().contains(QStringLiteral("alice: hello, quick")), 20000);
    QVERIFY(qml.say(QStringLiteral("hello alice, from Qt Quick \u00e9")));
    QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("log"), QStringLiteral("quickhello alice, from Qt Quick \u00e9"))));
    QTRY_VERIFY_WITH_TIMEOUT(qml.messages().contains(QStringLiteral("quick: hello alice, from Qt Quick \u00e9")), 20000);

    // The server goes away: both see it, and both come back when it does.
    chat.reset();
    QTRY_VERIFY_WITH_TIMEOUT(qml.status().contains(QStringLiteral("reconnecting")), 20000);
    QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("state"), QStringLiteral("reconnecting"))));
    chat = std::make_unique<ExampleServer>(QStringLiteral(WSKIT_CHAT), QStringList{}, port);
    QVERIFY2(chat->url().isValid(), chat->output().constData());
    QTRY_COMPARE_WITH_TIMEOUT(qml.status(), QStringLiteral("connected as quick"), 60000);
    QVERIFY(browser.waitUntil(page, QStringLiteral("document.getElementById('state').textContent == 'connected as alice'"),
                              60000));
    QTRY_COMPARE_WITH_TIMEOUT(qml.memberCount(), 2, 20000);
    QVERIFY(qml.say(QStringLiteral("back again")));
    QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("log"), QStringLiteral("quickback again"))));
}

QTEST_MAIN(tst_QmlChat)
#include "tst_qmlchat.moc"
