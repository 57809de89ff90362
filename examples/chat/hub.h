#pragma once
// The chat room: who is in it, and every message to everyone.
//
// Members' messages leave the hub through posted() and come back through
// deliver(), which broadcasts them to every member of this room. main() connects the
// one to the other; with a backplane joining several chat processes (--redis), it
// also publishes what posted() emits and delivers what the others published.

#include <WsKit/connection.h>
#include <WsKit/preparedmessage.h>

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>

class Hub : public QObject
{
    Q_OBJECT

public:
    explicit Hub(QObject *parent = nullptr);

    // Makes connection a member under name (numbered when taken), tells it its
    // name and tells everyone who is here. The member leaves when the connection closes.
    void join(WsKit::Connection *connection, const QString &name);

    QStringList memberNames() const;

    // A line about the room itself (that the other chat servers are out of reach,
    // say), shown on every member's page until it changes, and to members who join
    // later; empty clears it.
    void setStatus(const QString &text);
    // A line every member's page shows once, in the conversation.
    void notify(const QString &text);

public Q_SLOTS:
    // Sends one chat event (a JSON object) to every member, encoded once. A member
    // whose unsent output would pass its connection's maxBufferedAmount is dropped
    // rather than slowing down the room.
    void deliver(const QByteArray &json);

Q_SIGNALS:
    // A member said something: the chat event to deliver, as JSON.
    void posted(const QByteArray &json);
    void memberCountChanged(int count);

private:
    struct Member {
        WsKit::Connection *connection;
        QString name;
    };

    void onMessage(WsKit::Connection *connection, const QByteArray &payload, WsKit::Connection::MessageType type);
    void leave(WsKit::Connection *connection);
    bool remove(WsKit::Connection *connection);
    // Tells everyone who is here now.
    void membersChanged();
    void broadcast(const WsKit::PreparedMessage &message);
    QString uniqueName(const QString &wanted) const;

    QList<Member> m_members; // in the order they joined
    QString m_status;
};
