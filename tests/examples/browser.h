#pragma once
// Headless Chromium (Debian's chromium), driven over the DevTools protocol through
// a WsKit client connection: it opens pages, evaluates scripts in them and reads
// the results, as a person would click and read. The browser runs in a process
// group of its own with a fresh profile, and is killed with the Browser.

#include "childprocess.h"

#include <WsKit/connection.h>
#include <WsKit/dialer.h>

#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QPointer>
#include <QtCore/QTemporaryDir>
#include <QtCore/QUrl>
#include <QtTest/QTest>

#include <memory>

namespace TestSupport {

class Browser
{
public:
    static constexpr int Wait = 30000; // generous: tests never depend on timing within it

    // extraArguments go to chromium after the usual ones.
    explicit Browser(const QString &chromium, const QStringList &extraArguments = {})
    {
        if (!m_profile.isValid()) {
            m_error = QStringLiteral("no temporary profile directory");
            return;
        }
        m_process = std::make_unique<ChildProcess>(
            chromium, QStringList{QStringLiteral("--headless"), QStringLiteral("--no-sandbox"),
                                  QStringLiteral("--disable-gpu"), QStringLiteral("--disable-quic"),
                                  QStringLiteral("--no-first-run"), QStringLiteral("--disable-background-networking"),
                                  QStringLiteral("--disable-component-update"), QStringLiteral("--disable-sync"),
                                  QStringLiteral("--disable-dev-shm-usage"),
                                  QStringLiteral("--user-data-dir=") + m_profile.path(),
                                  QStringLiteral("--remote-debugging-port=0")}
                + extraArguments + QStringList{QStringLiteral("about:blank")});
        if (!m_process->started()) {
            m_error = QStringLiteral("chromium did not start");
            return;
        }
        // Chromium writes the port and path of its DevTools WebSocket here once it listens.
        QByteArrayList endpoint;
        const bool listening = QTest::qWaitFor([&] {
            QFile file(m_profile.filePath(QStringLiteral("DevToolsActivePort")));
            if (file.open(QIODevice::ReadOnly))
                endpoint = file.readAll().split('\n');
            return endpoint.size() >= 2 && !endpoint.at(1).isEmpty();
        }, Wait);
        if (!listening) {
            m_error = QStringLiteral("chromium did not open its DevTools port");
            return;
        }
        WsKit::Dialer dialer;
        m_devtools = dialer.dial(QUrl(QStringLiteral("ws://127.0.0.1:%1%2")
                                          .arg(QString::fromLatin1(endpoint.at(0).trimmed()),
                                               QString::fromLatin1(endpoint.at(1).trimmed()))),
                                 {}, &m_context);
        QObject::connect(m_devtools, &WsKit::Connection::textMessageReceived, &m_context, [this](const QString &text) {
            const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
            if (message.contains(QStringLiteral("id")))
                m_replies.insert(message.value(QStringLiteral("id")).toInt(), message);
        });
        const bool opened =
            QTest::qWaitFor([this] { return m_devtools->state() == WsKit::Connection::State::Open; }, Wait);
        if (!opened)
            m_error = QStringLiteral("DevTools connection: ") + m_devtools->errorString();
    }

    bool isReady() const { return m_error.isEmpty(); }
    // What went wrong last, with the end of the browser's output.
    QByteArray error() const
    {
        return (m_error + QStringLiteral("\n") + QString::fromUtf8(m_process ? m_process->output().right(3000) : QByteArray()))
            .toUtf8();
    }

    // Opens url in a new tab; returns the page's session, empty on failure.
    QString open(const QUrl &url)
    {
        const QJsonObject target = call(QStringLiteral("Target.createTarget"), {{QStringLiteral("url"), url.toString()}});
        const QString targetId = target.value(QStringLiteral("targetId")).toString();
        if (targetId.isEmpty())
            return {};
        const QJsonObject attached = call(QStringLiteral("Target.attachToTarget"),
                                          {{QStringLiteral("targetId"), targetId}, {QStringLiteral("flatten"), true}});
        const QString session = attached.value(QStringLiteral("sessionId")).toString();
        m_targets.insert(session, targetId);
        return session;
    }

    // Closes the page's tab.
    bool close(const QString &page)
    {
        return !call(QStringLiteral("Target.closeTarget"), {{QStringLiteral("targetId"), m_targets.value(page)}})
                    .isEmpty();
    }

    // The value of a JavaScript expression in the page (a promise is awaited);
    // undefined when it threw or the page is not there.
    QJsonValue evaluate(const QString &page, const QString &expression)
    {
        const QJsonObject result = call(QStringLiteral("Runtime.evaluate"),
                                        {{QStringLiteral("expression"), expression},
                                         {QStringLiteral("returnByValue"), true},
                                         {QStringLiteral("awaitPromise"), true}},
                                        page);
        if (result.contains(QStringLiteral("exceptionDetails"))) {
            m_error = QStringLiteral("%1 threw: %2").arg(expression, QString::fromUtf8(QJsonDocument(result).toJson()));
            return QJsonValue(QJsonValue::Undefined);
        }
        return result.value(QStringLiteral("result")).toObject().value(QStringLiteral("value"));
    }

    // A text in the page: the text content of the element with this id.
    QString text(const QString &page, const QString &id)
    {
        return evaluate(page, QStringLiteral("document.getElementById('%1')?.textContent ?? ''").arg(id)).toString();
    }

    // Types text into the input with this id and submits the form with that id, as
    // pressing Enter does.
    bool submit(const QString &page, const QString &formId, const QString &inputId, const QString &text)
    {
        return evaluate(page, QStringLiteral("document.getElementById('%1').value = %2;"
                                             "document.getElementById('%3').requestSubmit(); true")
                                  .arg(inputId, jsString(text), formId))
            .toBool();
    }

    // Whether the text content of the element with this id contains text.
    static QString contains(const QString &id, const QString &text)
    {
        return QStringLiteral("(document.getElementById('%1')?.textContent ?? '').includes(%2)").arg(id, jsString(text));
    }

    // text as a JavaScript string literal.
    static QString jsString(const QString &text)
    {
        const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(array.mid(1, array.size() - 2));
    }

    // Waits until the expression is true in the page, trying again every 100 ms.
    bool waitUntil(const QString &page, const QString &expression, int timeoutMs = Wait)
    {
        return QTest::qWaitFor([&] {
            if (evaluate(page, expression).toBool())
                return true;
            QTest::qWait(100);
            return false;
        }, timeoutMs);
    }

private:
    // One DevTools command; its result, empty on error or timeout.
    QJsonObject call(const QString &method, const QJsonObject &params, const QString &session = {})
    {
        if (!m_devtools || m_devtools->state() != WsKit::Connection::State::Open)
            return {};
        const int id = ++m_lastId;
        QJsonObject command{{QStringLiteral("id"), id}, {QStringLiteral("method"), method},
                            {QStringLiteral("params"), params}};
        if (!session.isEmpty())
            command.insert(QStringLiteral("sessionId"), session);
        m_devtools->sendJson(QJsonDocument(command));
        if (!QTest::qWaitFor([&] { return m_replies.contains(id); }, Wait)) {
            m_error = method + QStringLiteral(": no answer");
            return {};
        }
        const QJsonObject reply = m_replies.take(id);
        if (reply.contains(QStringLiteral("error"))) {
            m_error = method + QStringLiteral(": ") + QString::fromUtf8(QJsonDocument(reply).toJson());
            return {};
        }
        return reply.value(QStringLiteral("result")).toObject();
    }

    QTemporaryDir m_profile;
    std::unique_ptr<ChildProcess> m_process;
    QObject m_context; // owns the DevTools connection, ends our slots with us
    QPointer<WsKit::Connection> m_devtools;
    QHash<int, QJsonObject> m_replies;
    QHash<QString, QString> m_targets; // session → target
    int m_lastId = 0;
    QString m_error;
};

} // namespace TestSupport
