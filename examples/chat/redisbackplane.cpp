#include "redisbackplane.h"

#include <hiredis/adapters/qt.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <QtCore/QRandomGenerator>
#include <QtCore/QTimerEvent>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QHostInfo>

#include <utility>

namespace {

// An attempt that has not subscribed by then is given up and retried.
constexpr std::chrono::seconds ConnectTimeout{5};

QString errorOf(const redisAsyncContext *context)
{
    return QString::fromLocal8Bit(context->errstr);
}

QByteArray bytesOf(const redisReply *reply)
{
    return QByteArray(reply->str, qsizetype(reply->len));
}

// The adapter's destructor writes to its context, so it must go while the context
// still exists; hiredis frees a context right after telling us it is gone. Cutting
// the hooks first keeps hiredis from calling into the deleted adapter.
void releaseAdapter(redisAsyncContext *context, RedisQtAdapter *adapter)
{
    context->ev.addRead = nullptr;
    context->ev.delRead = nullptr;
    context->ev.addWrite = nullptr;
    context->ev.delWrite = nullptr;
    context->ev.cleanup = nullptr;
    RedisQtCleanup(adapter); // deletes its socket notifiers
    delete adapter;
}

} // namespace

RedisBackplane::RedisBackplane(const QString &host, quint16 port, const QByteArray &channel, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
    , m_channel(channel)
    , m_origin(QByteArray::number(QRandomGenerator::system()->generate64(), 36))
{
    m_backoff.setMinDelay(std::chrono::milliseconds(250));
    m_backoff.setMaxDelay(std::chrono::seconds(10));
}

RedisBackplane::~RedisBackplane()
{
    close(m_subscriber);
    close(m_publisher);
}

void RedisBackplane::start()
{
    if (std::exchange(m_started, true))
        return;
    m_retryTimer.start(0, this);
}

bool RedisBackplane::publish(const QByteArray &event)
{
    if (!m_connected)
        return false;
    // "<origin> <event>": the origin lets us skip our own events when they come back.
    const QByteArray message = m_origin + ' ' + event;
    return redisAsyncCommand(m_publisher.context, &RedisBackplane::onPublisherReply, nullptr, "PUBLISH %b %b",
                             m_channel.constData(), size_t(m_channel.size()), message.constData(),
                             size_t(message.size()))
        == REDIS_OK;
}

void RedisBackplane::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_connectTimer.timerId()) {
        fail(QStringLiteral("no answer within %1 s").arg(ConnectTimeout.count()));
        return;
    }
    if (event->timerId() != m_retryTimer.timerId())
        return QObject::timerEvent(event);
    m_retryTimer.stop();
    m_connectTimer.start(int(std::chrono::milliseconds(ConnectTimeout).count()), this);
    const QHostAddress address(m_host);
    if (!address.isNull()) {
        connectTo(address.toString());
        return;
    }
    // hiredis would look the name up with a blocking call.
    QHostInfo::lookupHost(m_host, this, [this](const QHostInfo &info) {
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty())
            fail(QStringLiteral("cannot look up %1: %2").arg(m_host, info.errorString()));
        else
            connectTo(info.addresses().constFirst().toString());
    });
}

void RedisBackplane::connectTo(const QString &address)
{
    if (!open(m_subscriber, address) || !open(m_publisher, address))
        return;
    // hiredis connects once it has something to send. Each side is ready when Redis
    // has answered: the subscriber with the subscription, the publisher with a pong.
    redisAsyncCommand(m_subscriber.context, &RedisBackplane::onSubscriberReply, nullptr, "SUBSCRIBE %b",
                      m_channel.constData(), size_t(m_channel.size()));
    redisAsyncCommand(m_publisher.context, &RedisBackplane::onPublisherReply, nullptr, "PING");
}

bool RedisBackplane::open(Link &link, const QString &address)
{
    redisAsyncContext *context = redisAsyncConnect(address.toLatin1().constData(), m_port);
    if (!context) {
        fail(QStringLiteral("out of memory"));
        return false;
    }
    if (context->err) {
        const QString why = errorOf(context);
        redisAsyncFree(context);
        fail(why);
        return false;
    }
    context->data = this;
    redisEnableKeepAlive(&context->c);
    redisAsyncSetConnectCallback(context, &RedisBackplane::onConnect);
    redisAsyncSetDisconnectCallback(context, &RedisBackplane::onDisconnect);
    link.adapter = new RedisQtAdapter;
    link.adapter->setContext(context);
    link.context = context;
    link.ready = false;
    return true;
}

RedisBackplane *RedisBackplane::ownerOf(const redisAsyncContext *context)
{
    return static_cast<RedisBackplane *>(context->data);
}

RedisBackplane::Link *RedisBackplane::linkOf(const redisAsyncContext *context)
{
    if (context == m_subscriber.context)
        return &m_subscriber;
    if (context == m_publisher.context)
        return &m_publisher;
    return nullptr; // one we let go of already
}

void RedisBackplane::onConnect(const redisAsyncContext *context, int status)
{
    RedisBackplane *self = ownerOf(context);
    Link *link = self->linkOf(context);
    if (link && status != REDIS_OK)
        self->linkLost(*link, errorOf(context));
}

void RedisBackplane::onDisconnect(const redisAsyncContext *context, int status)
{
    RedisBackplane *self = ownerOf(context);
    if (Link *link = self->linkOf(context))
        self->linkLost(*link, status == REDIS_OK ? QStringLiteral("Redis closed the connection") : errorOf(context));
}

void RedisBackplane::onSubscriberReply(redisAsyncContext *context, void *reply, void *)
{
    RedisBackplane *self = ownerOf(context);
    const auto *message = static_cast<const redisReply *>(reply);
    if (!message || !self->linkOf(context))
        return; // the connection is going away; onDisconnect says why
    if (message->type == REDIS_REPLY_ERROR) {
        self->fail(QStringLiteral("SUBSCRIBE failed: ") + QString::fromUtf8(bytesOf(message)));
        return;
    }
    // ["subscribe", channel, count] once, then ["message", channel, payload] each time.
    if (message->type != REDIS_REPLY_ARRAY || message->elements != 3)
        return;
    const QByteArray kind = bytesOf(message->element[0]);
    if (kind == "subscribe") {
        self->linkReady(self->m_subscriber);
        return;
    }
    if (kind != "message")
        return;
    const QByteArray payload = bytesOf(message->element[2]);
    const qsizetype space = payload.indexOf(' ');
    if (space <= 0 || payload.first(space) == self->m_origin)
        return;
    Q_EMIT self->received(payload.mid(space + 1));
}

void RedisBackplane::onPublisherReply(redisAsyncContext *context, void *reply, void *)
{
    RedisBackplane *self = ownerOf(context);
    const auto *answer = static_cast<const redisReply *>(reply);
    if (!answer || !self->linkOf(context))
        return;
    if (answer->type == REDIS_REPLY_ERROR)
        qWarning("Redis refused a command: %s", answer->str);
    else if (answer->type == REDIS_REPLY_STATUS && bytesOf(answer) == "PONG")
        self->linkReady(self->m_publisher);
}

void RedisBackplane::linkReady(Link &link)
{
    link.ready = true;
    if (!m_subscriber.ready || !m_publisher.ready)
        return;
    m_connectTimer.stop();
    m_attempt = 0;
    m_connected = true;
    qInfo("backplane: subscribed to Redis channel \"%s\" at %s:%u", m_channel.constData(), qPrintable(m_host),
          unsigned(m_port));
    Q_EMIT connected();
}

void RedisBackplane::linkLost(Link &link, const QString &why)
{
    releaseAdapter(link.context, link.adapter);
    link = {};
    fail(why);
}

void RedisBackplane::close(Link &link)
{
    if (!link.context)
        return;
    const Link gone = std::exchange(link, {});
    releaseAdapter(gone.context, gone.adapter);
    // Inside one of this context's callbacks, hiredis frees it once the callback returns.
    redisAsyncFree(gone.context);
}

void RedisBackplane::fail(const QString &why)
{
    close(m_subscriber);
    close(m_publisher);
    m_connected = false;
    m_connectTimer.stop();
    const auto delay = m_backoff.delay(++m_attempt, QRandomGenerator::global()->generateDouble());
    qWarning("backplane: Redis at %s:%u: %s; trying again in %lld ms", qPrintable(m_host), unsigned(m_port),
             qPrintable(why), static_cast<long long>(delay.count()));
    m_retryTimer.start(int(delay.count()), this);
    Q_EMIT disconnected(why, delay);
}
