#include "pendingupgrade_p.h"

#include "compressionoptions_p.h"
#include "connection_p.h"
#include "httpreply_p.h"
#include "logging_p.h"
#include "upgradedecision_p.h"

#include <WsKit/Core/deflatenegotiation.h>

#include <QtCore/QTimerEvent>
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
                                   std::string_view(host.constData(), static_cast<std::size_t>(host.size())));
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

void PendingUpgrade::start(QTcpSocket *socket, const HttpRequest &request, const Upgrader &upgrader, QObject *parent,
                           Upgrader::UpgradeCallback done)
{
    (new PendingUpgrade(socket, request, *upgrader.d, parent, std::move(done)))->begin();
}

PendingUpgrade::PendingUpgrade(QTcpSocket *socket, const HttpRequest &request, const Upgrader::Private &policy,
                               QObject *parent, Upgrader::UpgradeCallback done)
    : QObject(socket)
    , m_socket(socket)
    , m_request(request)
    , m_policy(policy)
    , m_parent(parent)
    , m_done(std::move(done))
{
}

PendingUpgrade::~PendingUpgrade()
{
    // The socket was deleted under us (its owner went away): nothing can be
    // decided any more, and the caller still hears how it ended.
    markDecision(UpgradeDecision::State::Abandoned);
    if (!m_finished) {
        m_finished = true;
        if (m_done)
            m_done(nullptr);
    }
}

void PendingUpgrade::begin()
{
    Core::Error error = Core::validateUpgradeRequest(m_request.head(), m_upgrade);
    if (error == Core::Error::None
        && !(m_policy.originCheck ? m_policy.originCheck(m_request) : defaultOriginCheck(m_request)))
        error = Core::Error::OriginNotAllowed;
    // RFC 7692 §5: a Sec-WebSocket-Extensions header that does not parse is answered
    // with 400 whatever is decided; the offer itself is weighed once accepted, under
    // the options chosen for this request.
    if (error == Core::Error::None) {
        std::optional<Core::DeflateParameters> unused;
        std::string response;
        error = Core::negotiateDeflate(m_upgrade.extensions, {}, unused, response);
    }
    if (error != Core::Error::None)
        return refuse(error);

    // RFC 6455 §4.2.2: by default the first of our subprotocols that the client offered.
    QString subprotocol;
    for (const QString &candidate : std::as_const(m_policy.subprotocols)) {
        if (std::find(m_upgrade.subprotocols.begin(), m_upgrade.subprotocols.end(), candidate.toStdString())
            != m_upgrade.subprotocols.end()) {
            subprotocol = candidate;
            break;
        }
    }
    if (!m_policy.decisionHandler)
        return acceptWith(subprotocol, m_policy.responseHeaders, m_policy.connectionOptions);

    auto decision = std::make_shared<UpgradeDecision::Private>();
    decision->upgrade = this;
    decision->request = m_request;
    for (const std::string &offered : m_upgrade.subprotocols)
        decision->requestedSubprotocols.append(QString::fromStdString(offered));
    decision->subprotocol = subprotocol;
    decision->responseHeaders = m_policy.responseHeaders;
    decision->connectionOptions = m_policy.connectionOptions;
    m_decision = decision;

    // The client may leave while the handler runs (it may spin an event loop) or
    // while the decision is deferred.
    connect(m_socket, &QAbstractSocket::disconnected, this, &PendingUpgrade::onSocketGone);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onSocketGone();
    });
    m_timer.start(static_cast<int>(m_policy.decisionTimeout.count()), this);

    const QPointer<PendingUpgrade> guard(this);
    m_inHandler = true;
    m_policy.decisionHandler(m_request, UpgradeDecision(decision));
    if (!guard)
        return;
    m_inHandler = false;
    if (decision->state == UpgradeDecision::State::Accepted || decision->state == UpgradeDecision::State::Rejected)
        apply(*decision);
    // Otherwise the decision is deferred; when this was its last copy, its
    // destructor reports that nobody can decide any more.
}

void PendingUpgrade::decided()
{
    if (m_inHandler || m_finished)
        return;
    if (const auto decision = m_decision.lock())
        apply(*decision);
}

void PendingUpgrade::decisionDropped()
{
    if (m_finished || m_answering)
        return;
    qCWarning(lcUpgrader) << "the decision handler dropped its UpgradeDecision without deciding on"
                          << m_request.target() << "; answering 500";
    const QByteArray reason = QByteArrayLiteral("The server did not decide on the upgrade");
    answer(toByteArray(Core::buildErrorResponse(500, toStdString(reason))), 500, QString::fromLatin1(reason));
}

void PendingUpgrade::apply(const UpgradeDecision::Private &decision)
{
    if (decision.state == UpgradeDecision::State::Accepted)
        return acceptWith(decision.subprotocol, decision.responseHeaders, decision.connectionOptions);
    HttpResponse response = decision.rejection;
    if (response.statusCode() < 200 || response.statusCode() > 999) {
        qCWarning(lcUpgrader) << "a rejection cannot have status" << response.statusCode() << "; answering 500";
        response.setStatusCode(500);
    }
    answer(response.toByteArray(), response.statusCode(), QStringLiteral("Rejected by the decision handler"));
}

void PendingUpgrade::acceptWith(const QString &subprotocol, const HttpHeaderList &headers,
                                const ConnectionOptions &options)
{
    std::optional<Core::DeflateParameters> deflate;
    std::string extensions;
    const Core::Error error = Core::negotiateDeflate(
        m_upgrade.extensions, deflateConfig(options.compression(), Core::Role::Server), deflate, extensions);
    if (error != Core::Error::None)
        return refuse(error);
    Core::HttpHeaders extra;
    for (const auto &[name, value] : headers)
        extra.add(toStdString(name), toStdString(value));
    const std::string response = Core::buildAcceptResponse(m_upgrade.key, subprotocol.toStdString(), extensions, extra);

    m_timer.stop();
    m_socket->disconnect(this);
    // The socket goes to the Connection, which may move to another thread (a
    // Server's worker); this upgrade ends here, in its own.
    setParent(nullptr);
    m_socket->write(response.data(), static_cast<qint64>(response.size()));
    Connection *connection = ConnectionPrivate::create(Connection::Role::Server, options, m_parent);
    std::optional<std::pair<QHostAddress, quint16>> forwardedPeer;
    if (m_request.peerAddress() != m_request.socketPeerAddress() || m_request.peerPort() != m_request.socketPeerPort())
        forwardedPeer.emplace(m_request.peerAddress(), m_request.peerPort());
    ConnectionPrivate::get(connection)->open(m_socket, {subprotocol, m_request.target(), m_request.headers(),
                                                        responseFields(response), deflate, forwardedPeer});
    qCDebug(lcUpgrader) << "upgraded" << m_request.target() << "from" << m_request.peerAddress()
                        << "compressed:" << deflate.has_value();
    if (finish(connection))
        deleteLater();
}

void PendingUpgrade::refuse(Core::Error error)
{
    const int status = Core::errorHttpStatus(error);
    answer(toByteArray(Core::buildErrorResponse(status, Core::errorText(error))), status,
           QString::fromUtf8(Core::errorText(error)));
}

void PendingUpgrade::answer(const QByteArray &response, int status, const QString &reason)
{
    qCDebug(lcUpgrader) << "refused" << m_request.target() << "from" << m_request.peerAddress() << status << reason;
    markDecision(UpgradeDecision::State::Abandoned);
    m_answering = true;
    m_timer.start(static_cast<int>(m_policy.decisionTimeout.count()), this);
    replyAndClose(m_socket, response);
    const QPointer<PendingUpgrade> guard(this);
    if (m_policy.errorHandler)
        m_policy.errorHandler(m_request, status, reason);
    if (guard)
        finish(nullptr);
}

void PendingUpgrade::onSocketGone()
{
    if (m_finished)
        return;
    qCDebug(lcUpgrader) << "the client of" << m_request.target() << "went away before the decision";
    m_timer.stop();
    markDecision(UpgradeDecision::State::Abandoned);
    m_socket->deleteLater();
    const QPointer<PendingUpgrade> guard(this);
    if (m_policy.errorHandler)
        m_policy.errorHandler(m_request, 0, QStringLiteral("The client went away before the upgrade was decided"));
    if (guard)
        finish(nullptr);
}

void PendingUpgrade::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    if (m_answering) {
        // The client does not take our answer: give up on it.
        m_socket->abort();
        return;
    }
    qCDebug(lcUpgrader) << "no decision on" << m_request.target() << "within" << m_policy.decisionTimeout.count()
                        << "ms";
    const QByteArray reason = QByteArrayLiteral("The server did not decide on the upgrade in time");
    answer(toByteArray(Core::buildErrorResponse(503, toStdString(reason))), 503, QString::fromLatin1(reason));
}

void PendingUpgrade::markDecision(UpgradeDecision::State state)
{
    if (const auto decision = m_decision.lock(); decision && decision->state == UpgradeDecision::State::Pending)
        decision->state = state;
}

bool PendingUpgrade::finish(Connection *connection)
{
    if (m_finished)
        return true;
    m_finished = true;
    const QPointer<PendingUpgrade> guard(this);
    if (m_done)
        m_done(connection);
    return !guard.isNull();
}

} // namespace WsKit
