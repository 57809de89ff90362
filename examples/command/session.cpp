#include "session.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimerEvent>

using WsKit::Connection;

namespace {

// How long a process may take to end after SIGTERM before it is killed.
constexpr int KillAfterMs = 2000;

} // namespace

// A child of the connection's server: deleting the server ends every process.
Session::Session(Connection *connection, const QString &program, const QStringList &arguments)
    : QObject(connection->parent())
    , m_connection(connection)
{
    connect(&m_process, &QProcess::readyReadStandardOutput, this,
            [this] { forward(QProcess::StandardOutput); });
    connect(&m_process, &QProcess::readyReadStandardError, this, [this] { forward(QProcess::StandardError); });
    connect(&m_process, &QProcess::finished, this, &Session::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return; // the others end in finished()
        send(QStringLiteral("error"), m_process.errorString());
        if (m_connection)
            m_connection->close(1011, QStringLiteral("The command did not start"));
        deleteWhenDone();
    });

    connect(connection, &Connection::textMessageReceived, this, [this](const QString &line) {
        m_process.write((line + QLatin1Char('\n')).toUtf8());
    });
    connect(connection, &Connection::closed, this, &Session::onConnectionClosed);

    m_process.start(program, arguments);
}

void Session::forward(QProcess::ProcessChannel channel)
{
    const bool isStdout = channel == QProcess::StandardOutput;
    const QString text = isStdout ? m_stdout.decode(m_process.readAllStandardOutput())
                                  : m_stderr.decode(m_process.readAllStandardError());
    if (!text.isEmpty())
        send(isStdout ? QStringLiteral("stdout") : QStringLiteral("stderr"), text);
}

void Session::send(const QString &type, const QJsonValue &text)
{
    if (m_connectionClosed || !m_connection)
        return;
    const QJsonObject message{{QStringLiteral("type"), type}, {QStringLiteral("text"), text}};
    // Refused when the page cannot take more: a command that writes faster than the
    // page reads would otherwise pile its output up in our memory.
    if (!m_connection->sendJson(QJsonDocument(message))
        && m_connection->sendRefusal() == Connection::Error::WriteBufferFull)
        m_connection->close(1008, QStringLiteral("The command writes faster than the page reads"));
}

void Session::onFinished(int exitCode, QProcess::ExitStatus status)
{
    m_killTimer.stop();
    forward(QProcess::StandardOutput);
    forward(QProcess::StandardError);
    send(QStringLiteral("exit"), status == QProcess::NormalExit
                                     ? QStringLiteral("exited with code %1").arg(exitCode)
                                     : QStringLiteral("crashed"));
    if (!m_connectionClosed && m_connection)
        m_connection->close(1000, QStringLiteral("The command ended"));
    deleteWhenDone();
}

void Session::onConnectionClosed()
{
    m_connectionClosed = true;
    if (m_process.state() == QProcess::NotRunning) {
        deleteWhenDone();
        return;
    }
    // As a terminal does when it goes away: end of input, then SIGTERM, then SIGKILL.
    m_process.closeWriteChannel();
    m_process.terminate();
    m_killTimer.start(KillAfterMs, this);
}

void Session::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_killTimer.timerId())
        return QObject::timerEvent(event);
    m_killTimer.stop();
    m_process.kill(); // finished() follows
}

void Session::deleteWhenDone()
{
    if (m_connectionClosed && m_process.state() == QProcess::NotRunning)
        deleteLater();
}
