#include "pendinghandshakes_p.h"

#include <algorithm>

namespace WsKit {

QHostAddress PendingHandshakes::peerGroup(const QHostAddress &address)
{
    bool isIPv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIPv4);
    if (isIPv4)
        return QHostAddress(ipv4);
    Q_IPV6ADDR network = address.toIPv6Address();
    std::fill(std::begin(network.c) + 8, std::end(network.c), quint8(0));
    return QHostAddress(network);
}

void PendingHandshakes::add(HandshakeReader *reader, const QHostAddress &peer)
{
    const QHostAddress group = peerGroup(peer);
    m_entries.append({reader, group});
    ++m_perGroup[group];
}

void PendingHandshakes::remove(HandshakeReader *reader)
{
    const auto it = std::find_if(m_entries.cbegin(), m_entries.cend(),
                                 [reader](const Entry &entry) { return entry.reader == reader; });
    if (it == m_entries.cend())
        return;
    const auto count = m_perGroup.find(it->group);
    if (--*count == 0)
        m_perGroup.erase(count);
    m_entries.erase(it);
}

HandshakeReader *PendingHandshakes::victim() const
{
    int most = 0;
    for (const int count : m_perGroup)
        most = std::max(most, count);
    for (const Entry &entry : m_entries) {
        if (m_perGroup.value(entry.group) == most)
            return entry.reader;
    }
    return nullptr;
}

QList<HandshakeReader *> PendingHandshakes::readers() const
{
    QList<HandshakeReader *> result;
    result.reserve(m_entries.size());
    for (const Entry &entry : m_entries)
        result.append(entry.reader);
    return result;
}

} // namespace WsKit
