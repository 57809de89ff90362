#include "requestorigin_p.h"

#include "httprequest_p.h"

#include <WsKit/Core/forwarded.h>

#include <QtNetwork/QTcpSocket>

namespace WsKit {

namespace {

// An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) as the
// IPv4 address it carries; others as they are.
QHostAddress unmapped(const QHostAddress &address)
{
    bool isIPv4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isIPv4);
    return isIPv4 ? QHostAddress(ipv4) : address;
}

QByteArray toByteArray(std::string_view text)
{
    return QByteArray(text.data(), qsizetype(text.size()));
}

// An address the core found valid, as text.
QHostAddress addressOf(std::string_view text)
{
    return unmapped(QHostAddress(QString::fromLatin1(text.data(), qsizetype(text.size()))));
}

} // namespace

bool TrustedProxies::set(const QStringList &entries)
{
    QList<std::pair<QHostAddress, int>> ranges;
    for (const QString &entry : entries) {
        const QString trimmed = entry.trimmed();
        std::pair<QHostAddress, int> range;
        if (trimmed.contains(QLatin1Char('/'))) {
            range = QHostAddress::parseSubnet(trimmed);
        } else {
            // parseSubnet would read "10.1" as a network: a lone entry is one address.
            range.first = QHostAddress(trimmed);
            range.second = range.first.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
        }
        if (range.first.isNull() || range.second < 0)
            return false;
        ranges.append({unmapped(range.first), range.second});
    }
    m_entries = entries;
    m_ranges = ranges;
    return true;
}

bool TrustedProxies::contains(const QHostAddress &address) const
{
    const QHostAddress candidate = unmapped(address);
    for (const auto &[network, prefix] : m_ranges) {
        if (candidate.isInSubnet(network, prefix))
            return true;
    }
    return false;
}

HttpRequest receivedRequest(const Core::HttpRequestHead &head, const QTcpSocket &socket, const TrustedProxies &proxies)
{
    HttpRequest request(head, &socket);
    HttpRequest::Private &origin = *request.d;
    if (!proxies.contains(origin.socketPeerAddress))
        return request; // what anyone else says about where a request came from counts for nothing

    const Core::ForwardedClient client = Core::resolveForwarded(head.headers, [&proxies](std::string_view address) {
        return proxies.contains(addressOf(address));
    });
    if (client.node) {
        origin.peerAddress = addressOf(client.node->address);
        origin.peerPort = client.node->port;
    }
    if (!client.scheme.empty())
        origin.secure = client.scheme == "https" || client.scheme == "wss";
    if (!client.host.empty())
        origin.host = toByteArray(client.host);
    return request;
}

} // namespace WsKit
