#pragma once
// The sockets still in their opening handshake, oldest first, and which one to
// drop when a new socket arrives and the table is full: the oldest socket of the
// peer that holds the most. One address crowding the table so only displaces its
// own sockets, and a newcomer always gets its chance. An IPv6 peer counts by its
// /64 network, which one host usually has to itself.

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtNetwork/QHostAddress>

namespace WsKit {

class HandshakeReader;

class PendingHandshakes
{
public:
    // The key peers are counted by: an IPv4 address (IPv4-mapped ones included)
    // or an IPv6 /64 network.
    static QHostAddress peerGroup(const QHostAddress &address);

    void add(HandshakeReader *reader, const QHostAddress &peer);
    void remove(HandshakeReader *reader);
    // The one to drop to make room, nullptr when empty.
    HandshakeReader *victim() const;

    qsizetype size() const { return m_entries.size(); }
    bool isEmpty() const { return m_entries.isEmpty(); }
    // Oldest first.
    QList<HandshakeReader *> readers() const;

private:
    struct Entry {
        HandshakeReader *reader;
        QHostAddress group;
    };
    QList<Entry> m_entries; // oldest first
    QHash<QHostAddress, int> m_perGroup;
};

} // namespace WsKit
