#include "compressionoptions_p.h"
#include "connection_p.h"
#include "httpreply_p.h"
#include "logging_p.h"
#include "requestorigin_p.h"

#include <WsKit/Core/handshake.h>
#include <WsKit/httprequest.h>
#include <WsKit/upgrader.h>

#include <QtNetwork/QTcpSocket>

#include <algorithm>

namespace WsKit {

namespace {

QByteArray toByteArray(std::string_view bytes)
{
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

std::string toStdString(const QByteArray &bytes)
{
    return std::string(bytes.constData(), static_cast<std::size_t>(bytes.size()));
}

bool defaultOriginCheck(const HttpRequest &request)
{
    // The host the client asked for: behind a trusted proxy, the one it forwarded.
    const QByteArray host = request.host();
    return Core::originMatchesHost(request.head().headers.value("Origin").value_or(std::string_view()),
                                   std::string_view(host.constData(), std::size_t(host.size())));
}

// The header fields of a response we built, as the Connection reports them.
HttpHeaderList responseFields(const std::string &response)
{
    Core::HttpHeadParser parser(Core::HttpHeadParser::Kind::Response, response.size());
    std::size_t consumed = 0;
    parser.parse(response.data(), response.size(), consumed);
    HttpHeaderList list;
    for (const auto &[name, value] : parser.response().headers.fields())
        list.append({toByteArray(name), toByteArray(value)});
    return list;
}

} // namespace

struct Upgrader::Private {
    OriginCheck originCheck;
    QStringList subprotocols;
    HttpHeaderList responseHeaders;
    ConnectionOptions connectionOptions = ConnectionOptions::serverDefaults();
    ErrorHandler errorHandler;
};

Upgrader::Upgrader()
    : d(std::make_unique<Private>())
{
}

Upgrader::Upgrader(const Upgrader &other)
    : d(std::make_unique<Private>(*other.d))
{
}

Upgrader::Upgrader(Upgrader &&other) noexcept
    : d(std::make_unique<Private>(std::move(*other.d)))
{
}

Upgrader &Upgrader::operator=(const Upgrader &other)
{
    *d = *other.d;
    return *this;
}

Upgrader &Upgrader::operator=(Upgrader &&other) noexcept
{
    *d = std::move(*other.d);
    return *this;
}

Upgrader::~Upgrader() = default;

void Upgrader::setOriginCheck(OriginCheck check)
{
    d->originCheck = std::move(check);
}

void Upgrader::allowAnyOrigin()
{
    d->originCheck = [](const HttpRequest &) { return true; };
}

QStringList Upgrader::subprotocols() const
{
    return d->subprotocols;
}

void Upgrader::setSubprotocols(const QStringList &subprotocols)
{
    d->subprotocols = subprotocols;
}

HttpHeaderList Upgrader::responseHeaders() const
{
    return d->responseHeaders;
}

void Upgrader::setResponseHeaders(const HttpHeaderList &headers)
{
    d->responseHeaders = headers;
}

ConnectionOptions Upgrader::connectionOptions() const
{
    return d->connectionOptions;
}

void Upgrader::setConnectionOptions(const ConnectionOptions &options)
{
    d->connectionOptions = options;
}

Upgrader::ErrorHandler Upgrader::errorHandler() const
{
    return d->errorHandler;
}

void Upgrader::setErrorHandler(ErrorHandler handler)
{
    d->errorHandler = std::move(handler);
}

Connection *Upgrader::upgrade(QTcpSocket *socket, const HttpRequest &received, QObject *parent) const
{
    // A request not read by a Server is taken as coming from the socket's peer.
    const HttpRequest request = received.peerAddress().isNull() ? receivedRequest(received.head(), *socket, {})
                                                                : received;
    Core::UpgradeRequest upgrade;
    std::optional<Core::DeflateParameters> deflate;
    std::string extensions;
    Core::Error error = Core::validateUpgradeRequest(request.head(), upgrade);
    if (error == Core::Error::None && !(d->originCheck ? d->originCheck(request) : defaultOriginCheck(request)))
        error = Core::Error::OriginNotAllowed;
    // RFC 7692 §5: the first acceptable permessage-deflate offer; a header that does
    // not parse is answered with 400 even when compression is off.
    if (error == Core::Error::None) {
        error = Core::negotiateDeflate(upgrade.extensions,
                                       deflateConfig(d->connectionOptions.compression(), Core::Role::Server), deflate,
                                       extensions);
    }
    if (error != Core::Error::None) {
        const int status = Core::errorHttpStatus(error);
        const QString reason = QString::fromUtf8(Core::errorText(error));
        qCDebug(lcUpgrader) << "refused" << request.target() << "from" << request.peerAddress() << status << reason;
        if (d->errorHandler)
            d->errorHandler(request, status, reason);
        replyAndClose(socket, toByteArray(Core::buildErrorResponse(status, Core::errorText(error))));
        return nullptr;
    }

    // RFC 6455 §4.2.2: the first of our subprotocols that the client offered.
    QString subprotocol;
    for (const QString &candidate : std::as_const(d->subprotocols)) {
        const std::string wanted = candidate.toStdString();
        if (std::find(upgrade.subprotocols.begin(), upgrade.subprotocols.end(), wanted) != upgrade.subprotocols.end()) {
            subprotocol = candidate;
            break;
        }
    }

    Core::HttpHeaders extra;
    for (const auto &[name, value] : std::as_const(d->responseHeaders))
        extra.add(toStdString(name), toStdString(value));
    const std::string response = Core::buildAcceptResponse(upgrade.key, subprotocol.toStdString(), extensions, extra);
    socket->write(response.data(), static_cast<qint64>(response.size()));

    Connection *connection = ConnectionPrivate::create(Connection::Role::Server, d->connectionOptions, parent);
    std::optional<std::pair<QHostAddress, quint16>> forwardedPeer;
    if (request.peerAddress() != socket->peerAddress() || request.peerPort() != socket->peerPort())
        forwardedPeer.emplace(request.peerAddress(), request.peerPort());
    ConnectionPrivate::get(connection)->open(socket, {subprotocol, request.target(), request.headers(),
                                                      responseFields(response), deflate, forwardedPeer});
    qCDebug(lcUpgrader) << "upgraded" << request.target() << "from" << request.peerAddress()
                        << "compressed:" << deflate.has_value();
    return connection;
}

} // namespace WsKit
