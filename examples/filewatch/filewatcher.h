#pragma once
// Watches one file and pushes its content to every page connected, whenever it
// changes. Editors often save by writing a new file and renaming it over the old
// one, which ends a watch on the old file; so the directory is watched too, and the
// file is watched again whenever it is back.

#include <WsKit/connection.h>
#include <WsKit/preparedmessage.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QFileSystemWatcher>
#include <QtCore/QList>
#include <QtCore/QObject>

class FileWatcher : public QObject
{
    Q_OBJECT

public:
    // Larger files are not sent: the page shows an error instead.
    static constexpr qint64 MaxFileSize = 1024 * 1024;

    explicit FileWatcher(const QString &path, QObject *parent = nullptr);

    // Sends connection the file as it is now, then every change until it closes.
    void add(WsKit::Connection *connection);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void scheduleCheck();
    // Reads the file again and tells every page when what it shows has changed.
    void check();
    WsKit::PreparedMessage snapshot() const;

    QString m_path;
    QFileSystemWatcher m_watcher;
    QBasicTimer m_settle;                   // a save is often several writes: wait for the last
    WsKit::PreparedMessage m_current;       // what every page shows now
    QList<WsKit::Connection *> m_pages;
};
