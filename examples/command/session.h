#pragma once
// One page's session: a process started for a WebSocket connection. What the
// process writes to stdout and stderr goes to the page; what the page sends goes to
// the process's stdin. When either side ends, the other is ended too.

#include <WsKit/connection.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QJsonValue>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QProcess>
#include <QtCore/QStringDecoder>

class Session : public QObject
{
    Q_OBJECT

public:
    // Starts program with arguments for connection; the session deletes itself once
    // both the process and the connection have ended.
    Session(WsKit::Connection *connection, const QString &program, const QStringList &arguments);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void forward(QProcess::ProcessChannel channel);
    // One message to the page: {"type": type, "text": text}.
    void send(const QString &type, const QJsonValue &text);
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onConnectionClosed();
    void deleteWhenDone();

    QPointer<WsKit::Connection> m_connection; // the server deletes it after closed()
    QProcess m_process;
    // Output may end in the middle of a UTF-8 sequence; each stream keeps the rest.
    QStringDecoder m_stdout{QStringDecoder::Utf8};
    QStringDecoder m_stderr{QStringDecoder::Utf8};
    QBasicTimer m_killTimer;
    bool m_connectionClosed = false;
};
