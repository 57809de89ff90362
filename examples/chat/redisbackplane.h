#pragma once
// Joins chat processes into one room through a Redis pub/sub channel.
//
// Every process publishes its members' chat events to the channel and delivers what
// the others published there. hiredis talks to Redis on the Qt event loop through its
// Qt adapter: no threads, no blocking calls (host names are looked up with QHostInfo).
// When Redis goes away (a restart, say), the backplane says so and connects again
// with growing waits (WsKit::ReconnectPolicy), subscribing anew.

#include <WsKit/reconnectpolicy.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <chrono>

struct redisAsyncContext;
class RedisQtAdapter;

class RedisBackplane : public QObject
{
    Q_OBJECT

public:
    // Redis at host (a name or an address) and port; channel is the room.
    RedisBackplane(const QString &host, quint16 port, const QByteArray &channel, QObject *parent = nullptr);
    ~RedisBackplane() override;

    // Connects (and keeps reconnecting) until destroyed.
    void start();
    // Subscribed and able to publish.
    bool isConnected() const { return m_connected; }

public Q_SLOTS:
    // Sends one chat event to the other processes. While Redis is out of reach the
    // event is dropped (false): the others cannot get it anyway, and replaying old
    // chat later would confuse more than it helps.
    bool publish(const QByteArray &event);

Q_SIGNALS:
    // Another process published a chat event. Our own come back from Redis too and
    // are left out: this process has delivered them already.
    void received(const QByteArray &event);
    // Subscribed and able to publish, at first or again after a loss.
    void connected();
    // Redis could not be reached or went away (why); the next attempt is in retryIn.
    void disconnected(const QString &why, std::chrono::milliseconds retryIn);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    // One hiredis connection and the adapter that drives it from the event loop.
    struct Link {
        redisAsyncContext *context = nullptr;
        RedisQtAdapter *adapter = nullptr;
        bool ready = false; // connected (and, for the subscriber, subscribed)
    };

    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onSubscriberReply(redisAsyncContext *context, void *reply, void *);
    static void onPublisherReply(redisAsyncContext *context, void *reply, void *);
    static RedisBackplane *ownerOf(const redisAsyncContext *context);

    void connectTo(const QString &address);
    bool open(Link &link, const QString &address);
    Link *linkOf(const redisAsyncContext *context);
    void linkReady(Link &link);
    // hiredis is about to free link's context: forget it, and fail.
    void linkLost(Link &link, const QString &why);
    // Frees link's context ourselves.
    void close(Link &link);
    // Both connections go; the next attempt is scheduled.
    void fail(const QString &why);

    QString m_host;
    quint16 m_port;
    QByteArray m_channel;
    QByteArray m_origin; // marks this process's own events on the channel
    Link m_subscriber;   // a subscribed connection can do nothing else
    Link m_publisher;
    bool m_connected = false;
    bool m_started = false;
    int m_attempt = 0; // failed attempts since the last success
    WsKit::ReconnectPolicy m_backoff;
    QBasicTimer m_retryTimer;
    QBasicTimer m_connectTimer; // bounds each attempt: hiredis has no async connect timeout
};
