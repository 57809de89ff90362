#include "filewatcher.h"

#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimerEvent>

using WsKit::Connection;

namespace {

// A save is often a truncate and a few writes in a row; changes closer together
// than this are read once.
constexpr int SettleMs = 50;

} // namespace

FileWatcher::FileWatcher(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(QFileInfo(path).absoluteFilePath())
{
    m_watcher.addPath(QFileInfo(m_path).absolutePath());
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &FileWatcher::scheduleCheck);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &FileWatcher::scheduleCheck);
    check();
}

void FileWatcher::add(Connection *connection)
{
    m_pages.append(connection);
    connect(connection, &Connection::closed, this, [this, connection] { m_pages.removeOne(connection); });
    connection->sendPrepared(m_current);
}

void FileWatcher::scheduleCheck()
{
    m_settle.start(SettleMs, this);
}

void FileWatcher::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_settle.timerId())
        return QObject::timerEvent(event);
    m_settle.stop();
    check();
}

void FileWatcher::check()
{
    // A file replaced by a rename is a new file: watch it (again).
    if (QFileInfo::exists(m_path) && !m_watcher.files().contains(m_path))
        m_watcher.addPath(m_path);
    const WsKit::PreparedMessage next = snapshot();
    if (!m_current.isNull() && next.payload() == m_current.payload())
        return;
    m_current = next;
    for (Connection *page : std::as_const(m_pages)) {
        // A page that has not taken the last versions yet gets no newer one until it
        // did; it is dropped rather than let its backlog grow.
        if (!page->sendPrepared(m_current) && page->sendRefusal() == Connection::Error::WriteBufferFull)
            page->close(1008, QStringLiteral("The page does not keep up"));
    }
}

WsKit::PreparedMessage FileWatcher::snapshot() const
{
    QJsonObject message{{QStringLiteral("path"), m_path}};
    QFile file(m_path);
    if (!file.exists()) {
        message.insert(QStringLiteral("type"), QStringLiteral("error"));
        message.insert(QStringLiteral("text"), QStringLiteral("The file does not exist (yet)."));
    } else if (file.size() > MaxFileSize) {
        message.insert(QStringLiteral("type"), QStringLiteral("error"));
        message.insert(QStringLiteral("text"),
                       QStringLiteral("The file is larger than %1 bytes: not shown.").arg(MaxFileSize));
    } else if (!file.open(QIODevice::ReadOnly)) {
        message.insert(QStringLiteral("type"), QStringLiteral("error"));
        message.insert(QStringLiteral("text"), file.errorString());
    } else {
        message.insert(QStringLiteral("type"), QStringLiteral("content"));
        message.insert(QStringLiteral("text"), QString::fromUtf8(file.read(MaxFileSize)));
        message.insert(QStringLiteral("modified"),
                       QFileInfo(file).lastModified().toString(Qt::ISODateWithMs));
    }
    return WsKit::PreparedMessage(QJsonDocument(message).toJson(QJsonDocument::Compact),
                                  Connection::MessageType::Text);
}
