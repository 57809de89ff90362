#pragma once
// Records what goes through Qt's message handler (from any thread) while it lives,
// and passes every message on to the handler it replaced.

#include <QtCore/QMutex>
#include <QtCore/QStringList>
#include <QtCore/QtGlobal>

namespace TestClient {

class MessageCapture
{
public:
    MessageCapture()
    {
        s_instance = this;
        m_previous = qInstallMessageHandler(&MessageCapture::handle);
    }
    ~MessageCapture()
    {
        qInstallMessageHandler(m_previous);
        s_instance = nullptr;
    }
    MessageCapture(const MessageCapture &) = delete;
    MessageCapture &operator=(const MessageCapture &) = delete;

    // Every message so far, as "category: text".
    QStringList lines() const
    {
        const QMutexLocker lock(&m_mutex);
        return m_lines;
    }

    // Messages that contain text.
    qsizetype count(const QString &text) const { return lines().filter(text).size(); }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        MessageCapture *self = s_instance;
        if (!self)
            return;
        {
            const QMutexLocker lock(&self->m_mutex);
            self->m_lines.append(QString::fromLatin1(context.category ? context.category : "default")
                                 + QStringLiteral(": ") + message);
        }
        if (self->m_previous)
            self->m_previous(type, context, message);
    }

    static inline MessageCapture *s_instance = nullptr;
    mutable QMutex m_mutex;
    QStringList m_lines;
    QtMessageHandler m_previous = nullptr;
};

} // namespace TestClient
