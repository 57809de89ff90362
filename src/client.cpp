#include "logging_p.h"

#include <WsKit/client.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QMetaMethod>
#include <QtCore/QPointer>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>

namespace WsKit {

struct Client::Private {
    explicit Private(Client *client);

    // Replaces the current connection by a new dial of url.
    void dial();
    // Lets go of the current connection without reporting its end: an open one
    // closes with 1000 and deletes itself, one being dialed is dropped.
    void releaseConnection();
    void connectSignals(Connection *connection);

    // Handlers of the current connection's signals. Each emits: call last.
    void onOpened(Connection *connection);
    void onError(Connection::Error newError, const QString &text);
    void onClosed(Connection *connection, quint16 code, const QString &reason);
    void deliver(const QByteArray &payload, Connection::MessageType type);

    void setStatus(Status newStatus);
    void setError(Connection::Error newError, const QString &text);
    void setNegotiatedSubprotocol(const QString &subprotocol);
    // Stores url; false when it was already the URL. Emits: check the guard after.
    bool storeUrl(const QUrl &newUrl);
    // Becomes inactive and cancels a waiting reconnect; whether it was active.
    bool deactivate();
    void scheduleReconnect(bool afterStableConnection);
    // Sends with send(connection) on the current connection; false, with
    // sendRefused, when there is none.
    template <typename Send>
    bool send(Send send);

    Client *q;
    QUrl url;
    bool active = false;
    Status status = Status::Closed;
    Connection::Error error = Connection::Error::NoError;
    QString errorString;
    Dialer dialer;
    HttpHeaderList requestHeaders;
    ReconnectPolicy policy;
    QPointer<Connection> connection;
    QString negotiatedSubprotocol;
    int closeCode = 0;
    QString closeReason;
    QTimer reconnectTimer;
    int attempt = 0;          // reconnects since the last stable connection
    QElapsedTimer openSince;  // valid while the current connection is open
};

Client::Private::Private(Client *client)
    : q(client)
{
    reconnectTimer.setSingleShot(true);
    QObject::connect(&reconnectTimer, &QTimer::timeout, q, [this] {
        if (active)
            dial();
    });
}

void Client::Private::dial()
{
    releaseConnection();
    const QPointer<Client> guard(q);
    setError(Connection::Error::NoError, QString());
    if (!guard)
        return;
    if (url.isEmpty()) {
        setStatus(Status::Closed);
        return;
    }
    qCDebug(lcClient) << "dialing" << url.toDisplayString() << "attempt" << attempt;
    connection = dialer.dial(url, requestHeaders, q);
    connectSignals(connection);
    setStatus(Status::Connecting);
}

void Client::Private::releaseConnection()
{
    Connection *old = connection;
    connection = nullptr;
    openSince.invalidate();
    if (!old)
        return;
    QObject::disconnect(old, nullptr, q, nullptr);
    if (old->state() == Connection::State::Connecting)
        old->abort();
    else if (old->state() == Connection::State::Open)
        old->close();
    if (old->state() == Connection::State::Closed)
        old->deleteLater();
    else
        QObject::connect(old, &Connection::closed, old, &QObject::deleteLater);
}

void Client::Private::connectSignals(Connection *c)
{
    QObject::connect(c, &Connection::opened, q, [this, c] { onOpened(c); });
    QObject::connect(c, &Connection::stateChanged, q, [this](Connection::State state) {
        if (state == Connection::State::Closing && status != Status::Error)
            setStatus(Status::Closing);
    });
    QObject::connect(c, &Connection::errorOccurred, q,
                     [this](Connection::Error newError, const QString &text) { onError(newError, text); });
    QObject::connect(c, &Connection::closed, q,
                     [this, c](quint16 code, const QString &reason) { onClosed(c, code, reason); });
    QObject::connect(c, &Connection::messageReceived, q,
                     [this](const QByteArray &payload, Connection::MessageType type) { deliver(payload, type); });
    QObject::connect(c, &Connection::messageChunkReceived, q, &Client::messageChunkReceived);
    QObject::connect(c, &Connection::pingReceived, q, &Client::pingReceived);
    QObject::connect(c, &Connection::sendRefused, q, &Client::sendRefused);
    QObject::connect(c, &Connection::pongReceived, q, [this](qint64 elapsed, const QByteArray &payload) {
        const QPointer<Client> guard(q);
        Q_EMIT q->pongReceived(elapsed, payload);
        if (guard)
            Q_EMIT q->pong(elapsed, payload);
    });
    QObject::connect(c, &Connection::bufferedAmountChanged, q, &Client::bufferedAmountChanged);
    QObject::connect(c, &Connection::sslErrors, q, &Client::sslErrors);
}

void Client::Private::onOpened(Connection *c)
{
    openSince.start();
    const QPointer<Client> guard(q);
    setNegotiatedSubprotocol(c->subprotocol());
    if (guard)
        setStatus(Status::Open);
    if (guard)
        Q_EMIT q->opened();
}

void Client::Private::onError(Connection::Error newError, const QString &text)
{
    const QPointer<Client> guard(q);
    setError(newError, text);
    if (guard)
        setStatus(Status::Error);
    if (guard)
        Q_EMIT q->errorOccurred(newError, text);
}

void Client::Private::onClosed(Connection *c, quint16 code, const QString &reason)
{
    const bool stable = openSince.isValid() && openSince.elapsed() >= policy.resetAfter().count();
    connection = nullptr;
    openSince.invalidate();
    c->deleteLater();
    closeCode = code;
    closeReason = reason;
    const QPointer<Client> guard(q);
    setNegotiatedSubprotocol(QString());
    if (guard && status != Status::Error)
        setStatus(Status::Closed);
    if (guard)
        Q_EMIT q->closed(static_cast<Connection::CloseCode>(code), reason);
    // A URL that cannot be dialed will not become dialable by waiting.
    if (guard && active && !connection && policy.isEnabled() && error != Connection::Error::InvalidRequest)
        scheduleReconnect(stable);
}

void Client::Private::deliver(const QByteArray &payload, Connection::MessageType type)
{
    static const QMetaMethod textSignal = QMetaMethod::fromSignal(&Client::textMessageReceived);
    const QPointer<Client> guard(q);
    Q_EMIT q->messageReceived(payload, type);
    if (!guard)
        return;
    if (type == Connection::MessageType::Binary)
        Q_EMIT q->binaryMessageReceived(payload);
    else if (q->isSignalConnected(textSignal))
        Q_EMIT q->textMessageReceived(QString::fromUtf8(payload));
}

void Client::Private::setStatus(Status newStatus)
{
    if (status == newStatus)
        return;
    status = newStatus;
    Q_EMIT q->statusChanged(status);
}

void Client::Private::setError(Connection::Error newError, const QString &text)
{
    error = newError;
    if (errorString == text)
        return;
    errorString = text;
    Q_EMIT q->errorStringChanged(errorString);
}

void Client::Private::setNegotiatedSubprotocol(const QString &subprotocol)
{
    if (negotiatedSubprotocol == subprotocol)
        return;
    negotiatedSubprotocol = subprotocol;
    Q_EMIT q->negotiatedSubprotocolChanged(negotiatedSubprotocol);
}

bool Client::Private::storeUrl(const QUrl &newUrl)
{
    if (url == newUrl)
        return false;
    url = newUrl;
    Q_EMIT q->urlChanged(url);
    return true;
}

bool Client::Private::deactivate()
{
    reconnectTimer.stop();
    const bool wasActive = active;
    active = false;
    return wasActive;
}

void Client::Private::scheduleReconnect(bool afterStableConnection)
{
    if (afterStableConnection)
        attempt = 0;
    ++attempt;
    const std::chrono::milliseconds wait = policy.delay(attempt, QRandomGenerator::global()->generateDouble());
    qCDebug(lcClient) << "reconnecting to" << url.toDisplayString() << "in" << wait.count() << "ms";
    reconnectTimer.start(wait);
    Q_EMIT q->reconnectScheduled(attempt, wait);
}

template <typename Send>
bool Client::Private::send(Send sendOn)
{
    if (!connection) {
        Q_EMIT q->sendRefused(Connection::Error::InvalidSend, QStringLiteral("The client is not connected"));
        return false;
    }
    return sendOn(connection.data());
}

// ---- Client -----------------------------------------------------------------

Client::Client(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this))
{
}

Client::~Client()
{
    if (d->connection) {
        disconnect(d->connection, nullptr, this, nullptr);
        delete d->connection;
    }
}

QUrl Client::url() const
{
    return d->url;
}

void Client::setUrl(const QUrl &url)
{
    const QPointer<Client> guard(this);
    if (d->storeUrl(url) && guard && d->active)
        open();
}

bool Client::isActive() const
{
    return d->active;
}

void Client::setActive(bool active)
{
    if (!active)
        close();
    else if (!d->active)
        open();
}

Client::Status Client::status() const
{
    return d->status;
}

Connection::Error Client::error() const
{
    return d->error;
}

QString Client::errorString() const
{
    return d->errorString;
}

Dialer Client::dialer() const
{
    return d->dialer;
}

void Client::setDialer(const Dialer &dialer)
{
    const QStringList before = d->dialer.subprotocols();
    d->dialer = dialer;
    if (before != dialer.subprotocols())
        Q_EMIT requestedSubprotocolsChanged(dialer.subprotocols());
}

QStringList Client::requestedSubprotocols() const
{
    return d->dialer.subprotocols();
}

void Client::setRequestedSubprotocols(const QStringList &subprotocols)
{
    if (d->dialer.subprotocols() == subprotocols)
        return;
    d->dialer.setSubprotocols(subprotocols);
    Q_EMIT requestedSubprotocolsChanged(subprotocols);
}

QString Client::negotiatedSubprotocol() const
{
    return d->negotiatedSubprotocol;
}

HttpHeaderList Client::requestHeaders() const
{
    return d->requestHeaders;
}

void Client::setRequestHeaders(const HttpHeaderList &headers)
{
    d->requestHeaders = headers;
}

ConnectionOptions Client::connectionOptions() const
{
    return d->dialer.connectionOptions();
}

void Client::setConnectionOptions(const ConnectionOptions &options)
{
    d->dialer.setConnectionOptions(options);
    if (d->connection)
        d->connection->setOptions(options);
}

ReconnectPolicy Client::reconnectPolicy() const
{
    return d->policy;
}

void Client::setReconnectPolicy(const ReconnectPolicy &policy)
{
    d->policy = policy;
    if (!policy.isEnabled())
        d->reconnectTimer.stop();
}

void Client::adopt(Connection *adopted)
{
    d->reconnectTimer.stop();
    d->attempt = 0;
    d->releaseConnection();
    const bool wasActive = d->active;
    const QPointer<Client> guard(this);
    d->setError(Connection::Error::NoError, QString());
    if (!guard)
        return;
    if (adopted) {
        adopted->setParent(this);
        d->dialer.setConnectionOptions(adopted->options());
    }
    switch (adopted ? adopted->state() : Connection::State::Closed) {
    case Connection::State::Closed:
        if (adopted)
            adopted->deleteLater();
        d->active = false;
        d->setNegotiatedSubprotocol(QString());
        if (guard)
            d->setStatus(Status::Closed);
        break;
    case Connection::State::Connecting:
        d->active = true;
        d->connection = adopted;
        d->connectSignals(adopted);
        d->setStatus(Status::Connecting);
        break;
    case Connection::State::Open:
    case Connection::State::Closing:
        d->active = true;
        d->connection = adopted;
        d->connectSignals(adopted);
        d->openSince.start();
        d->setNegotiatedSubprotocol(adopted->subprotocol());
        if (guard)
            d->setStatus(adopted->state() == Connection::State::Open ? Status::Open : Status::Closing);
        break;
    }
    if (guard && wasActive != d->active)
        Q_EMIT activeChanged(d->active);
}

Connection *Client::connection() const
{
    return d->connection;
}

bool Client::isCompressionNegotiated() const
{
    return d->connection && d->connection->isCompressionNegotiated();
}

qint64 Client::bufferedAmount() const
{
    return d->connection ? d->connection->bufferedAmount() : 0;
}

int Client::closeCode() const
{
    return d->closeCode;
}

QString Client::closeReason() const
{
    return d->closeReason;
}

void Client::ignoreSslErrors()
{
    if (d->connection)
        d->connection->ignoreSslErrors();
}

void Client::open()
{
    d->reconnectTimer.stop();
    d->attempt = 0;
    const bool wasActive = d->active;
    d->active = true;
    const QPointer<Client> guard(this);
    if (!wasActive)
        Q_EMIT activeChanged(true);
    // A slot may have closed or deleted the client meanwhile.
    if (guard && d->active)
        d->dial();
}

void Client::open(const QUrl &url)
{
    const QPointer<Client> guard(this);
    d->storeUrl(url);
    if (guard)
        open();
}

bool Client::close(quint16 code, const QString &reason)
{
    const QPointer<Client> guard(this);
    Connection *current = d->connection;
    // Inactive before anything is reported, so no slot sees a reconnect coming.
    const bool wasActive = d->deactivate();
    if (current && current->state() == Connection::State::Connecting) {
        current->abort();
    } else if (current && current->state() == Connection::State::Open && !current->close(code, reason)) {
        if (guard)
            d->active = wasActive;
        return false;
    }
    if (guard && wasActive)
        Q_EMIT activeChanged(false);
    return true;
}

void Client::abort()
{
    const bool wasActive = d->deactivate();
    const QPointer<Client> guard(this);
    if (d->connection)
        d->connection->abort();
    if (guard && wasActive)
        Q_EMIT activeChanged(false);
}

bool Client::sendText(const QString &text)
{
    return d->send([&](Connection *target) { return target->sendText(text); });
}

bool Client::sendTextUtf8(const QByteArray &utf8)
{
    return d->send([&](Connection *target) { return target->sendTextUtf8(utf8); });
}

bool Client::sendBinary(const QByteArray &data)
{
    return d->send([&](Connection *target) { return target->sendBinary(data); });
}

bool Client::sendMessage(const QByteArray &payload, Connection::MessageType type)
{
    return d->send([&](Connection *target) { return target->sendMessage(payload, type); });
}

bool Client::sendJson(const QJsonDocument &document)
{
    return d->send([&](Connection *target) { return target->sendJson(document); });
}

bool Client::ping(const QByteArray &payload)
{
    return d->send([&](Connection *target) { return target->ping(payload); });
}

bool Client::sendPong(const QByteArray &payload)
{
    return d->send([&](Connection *target) { return target->sendPong(payload); });
}

} // namespace WsKit
