#pragma once
// Who sent a request, as the server reports it: the socket's peer, or, when that
// peer is a trusted reverse proxy, the client the proxy forwarded (Forwarded /
// X-Forwarded-*; which hop to believe is the core's decision, resolveForwarded).
// The one place where a request's client address, scheme and host are worked out.

#include <WsKit/Core/http.h>
#include <WsKit/httprequest.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QStringList>
#include <QtNetwork/QHostAddress>

#include <utility>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

// The addresses and networks of the reverse proxies whose forwarded fields are believed.
class TrustedProxies
{
public:
    // Addresses ("10.0.0.7", "::1") and CIDR ranges ("10.0.0.0/8"). False, changing
    // nothing, when an entry is neither.
    bool set(const QStringList &entries);
    QStringList entries() const { return m_entries; }
    bool isEmpty() const { return m_ranges.isEmpty(); }
    // IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
    bool contains(const QHostAddress &address) const;

private:
    QStringList m_entries;
    QList<std::pair<QHostAddress, int>> m_ranges;
};

// The request head read from socket, from its client: the socket's own peer, TLS
// and Host field, unless the peer is one of proxies.
HttpRequest receivedRequest(const Core::HttpRequestHead &head, const QTcpSocket &socket, const TrustedProxies &proxies);

} // namespace WsKit
