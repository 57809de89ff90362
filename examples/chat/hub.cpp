#include "hub.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>

#include <algorithm>

using WsKit::Connection;

namespace {

QByteArray toJson(const QJsonObject &event)
{
    return QJsonDocument(event).toJson(QJsonDocument::Compact);
}

// A line about the room: "status" lasts until the next one, "notice" is said once.
QByteArray roomEvent(const QString &type, const QString &text)
{
    return toJson({{QStringLiteral("type"), type}, {QStringLiteral("text"), text}});
}

} // namespace

Hub::Hub(QObject *parent)
    : QObject(parent)
{
}

void Hub::join(Connection *connection, const QString &name)
{
    const Member member{connection, uniqueName(name)};
    m_members.append(member);
    qInfo("%s joined from %s", qPrintable(member.name), qPrintable(connection->peerAddress().toString()));
    connect(connection, &Connection::messageReceived, this,
            [this, connection](const QByteArray &payload, Connection::MessageType type) {
                onMessage(connection, payload, type);
            });
    connect(connection, &Connection::closed, this, [this, connection] { leave(connection); });
    // The address is the client's as the server sees it: behind a trusted reverse
    // proxy, the one the proxy forwarded.
    connection->sendJson(QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("welcome")},
                                                   {QStringLiteral("name"), member.name},
                                                   {QStringLiteral("address"), connection->peerAddress().toString()}}));
    if (!m_status.isEmpty())
        connection->sendTextUtf8(roomEvent(QStringLiteral("status"), m_status));
    membersChanged();
}

QStringList Hub::memberNames() const
{
    QStringList names;
    for (const Member &member : m_members)
        names.append(member.name);
    return names;
}

void Hub::setStatus(const QString &text)
{
    if (text == m_status)
        return;
    m_status = text;
    broadcast(WsKit::PreparedMessage(roomEvent(QStringLiteral("status"), text), Connection::MessageType::Text));
}

void Hub::notify(const QString &text)
{
    broadcast(WsKit::PreparedMessage(roomEvent(QStringLiteral("notice"), text), Connection::MessageType::Text));
}

void Hub::onMessage(Connection *connection, const QByteArray &payload, Connection::MessageType type)
{
    if (type != Connection::MessageType::Text) {
        connection->close(1003, QStringLiteral("This room takes text only"));
        return;
    }
    const auto sender = std::find_if(m_members.cbegin(), m_members.cend(),
                                     [connection](const Member &member) { return member.connection == connection; });
    if (sender == m_members.cend())
        return;
    Q_EMIT posted(toJson({{QStringLiteral("type"), QStringLiteral("message")},
                          {QStringLiteral("from"), sender->name},
                          {QStringLiteral("text"), QString::fromUtf8(payload)}}));
}

void Hub::deliver(const QByteArray &json)
{
    broadcast(WsKit::PreparedMessage(json, Connection::MessageType::Text));
}

void Hub::broadcast(const WsKit::PreparedMessage &message)
{
    // A refused send means that member's connection holds more unsent bytes than
    // it may: it does not keep up, and waiting for it would hold up everyone
    // (gorilla's hub drops such clients too). Dropped after the loop, which must
    // not change the list it walks.
    QList<Connection *> tooSlow;
    for (const Member &member : std::as_const(m_members)) {
        if (!member.connection->sendPrepared(message)
            && member.connection->sendRefusal() == Connection::Error::WriteBufferFull)
            tooSlow.append(member.connection);
    }
    if (tooSlow.isEmpty())
        return;
    for (Connection *connection : std::as_const(tooSlow)) {
        qInfo("dropping a member that does not keep up (%lld bytes unsent)",
              static_cast<long long>(connection->bufferedAmount()));
        remove(connection);
        // The close frame waits behind what the member has not read yet; if it does
        // not read within the close timeout, the connection is aborted.
        connection->close(1008, QStringLiteral("Too slow: messages piled up"));
    }
    membersChanged();
}

void Hub::leave(Connection *connection)
{
    if (remove(connection))
        membersChanged();
}

bool Hub::remove(Connection *connection)
{
    const auto member = std::find_if(m_members.cbegin(), m_members.cend(),
                                     [connection](const Member &candidate) { return candidate.connection == connection; });
    if (member == m_members.cend())
        return false;
    qInfo("%s left", qPrintable(member->name));
    m_members.erase(member);
    connection->disconnect(this);
    return true;
}

void Hub::membersChanged()
{
    Q_EMIT memberCountChanged(int(m_members.size()));
    // Dropping a member that is too slow for this message calls here again.
    broadcast(WsKit::PreparedMessage(toJson({{QStringLiteral("type"), QStringLiteral("members")},
                                             {QStringLiteral("names"), QJsonArray::fromStringList(memberNames())}}),
                                     Connection::MessageType::Text));
}

QString Hub::uniqueName(const QString &wanted) const
{
    const QStringList taken = memberNames();
    QString name = wanted;
    for (int number = 2; taken.contains(name); ++number)
        name = QStringLiteral("%1 %2").arg(wanted).arg(number);
    return name;
}
