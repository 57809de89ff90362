#pragma once
// An example's server program started as a user starts it, on 127.0.0.1; its URL
// is the one it prints. Stopped (killed) with the object.

#include "childprocess.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QUrl>

namespace TestSupport {

class ExampleServer
{
public:
    // On port 0: a free one.
    ExampleServer(const QString &program, const QStringList &arguments, quint16 port = 0)
        : m_process(program, QStringList{QStringLiteral("--bind"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                                         QString::number(port)}
                                 + arguments)
    {
        if (!m_process.started())
            return;
        static const QRegularExpression printed(QStringLiteral("(http://127\\.0\\.0\\.1:\\d+/)"));
        const bool listening = QTest::qWaitFor([this] {
            const QRegularExpressionMatch match = printed.match(QString::fromUtf8(m_process.output()));
            if (match.hasMatch())
                m_url = QUrl(match.captured(1));
            return m_url.isValid();
        }, 10000);
        Q_UNUSED(listening) // m_url stays invalid
    }

    // Where it serves its page; invalid when it did not start listening.
    QUrl url() const { return m_url; }
    // The same URL with ws: and this path.
    QUrl webSocketUrl(const QString &pathAndQuery) const
    {
        return QUrl(QStringLiteral("ws://%1:%2%3").arg(m_url.host()).arg(m_url.port()).arg(pathAndQuery));
    }
    QByteArray output() { return m_process.output(); }
    bool isRunning() const { return m_process.isRunning(); }

private:
    ChildProcess m_process;
    QUrl m_url;
};

} // namespace TestSupport
