#pragma once
// The QML WebSocket: QtWebSockets' WebSocket type over a WsKit::Client, with what
// that type lacks (close code and reason, ping with round-trip time, keep-alive,
// buffered amount, compression, request headers, reconnecting).

#include <WsKit/client.h>

#include <QtCore/QObject>
#include <QtCore/QVariantMap>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

#include <functional>

namespace WsKit {

// A byte count given in QML, where numbers are doubles: NaN and negative counts give 0,
// counts past what qint64 holds its largest value.
qint64 byteCountFromQml(double bytes);

class QmlWebSocket : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(WebSocket)

    // The properties of QtWebSockets' WebSocket.
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(QStringList requestedSubprotocols READ requestedSubprotocols WRITE setRequestedSubprotocols
                   NOTIFY requestedSubprotocolsChanged)
    Q_PROPERTY(QString negotiatedSubprotocol READ negotiatedSubprotocol NOTIFY negotiatedSubprotocolChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)

    // WsKit's own.
    // Byte counts are numbers (double) in QML, exact up to 2^53.
    Q_PROPERTY(int closeCode READ closeCode NOTIFY closed)
    Q_PROPERTY(QString closeReason READ closeReason NOTIFY closed)
    Q_PROPERTY(double bufferedAmount READ bufferedAmount NOTIFY bufferedAmountChanged)
    Q_PROPERTY(QVariantMap requestHeaders READ requestHeaders WRITE setRequestHeaders NOTIFY requestHeadersChanged)
    Q_PROPERTY(bool compressionEnabled READ isCompressionEnabled WRITE setCompressionEnabled
                   NOTIFY compressionEnabledChanged)
    Q_PROPERTY(bool compressionNegotiated READ isCompressionNegotiated NOTIFY statusChanged)
    Q_PROPERTY(int keepAliveInterval READ keepAliveInterval WRITE setKeepAliveInterval NOTIFY optionsChanged)
    Q_PROPERTY(int pongTimeout READ pongTimeout WRITE setPongTimeout NOTIFY optionsChanged)
    Q_PROPERTY(double maxMessageSize READ maxMessageSize WRITE setMaxMessageSize NOTIFY optionsChanged)
    Q_PROPERTY(bool reconnect READ reconnect WRITE setReconnect NOTIFY reconnectChanged)
    Q_PROPERTY(int reconnectMinDelay READ reconnectMinDelay WRITE setReconnectMinDelay NOTIFY reconnectChanged)
    Q_PROPERTY(int reconnectMaxDelay READ reconnectMaxDelay WRITE setReconnectMaxDelay NOTIFY reconnectChanged)

public:
    // QtWebSockets' values, in its order.
    enum Status { Connecting, Open, Closing, Closed, Error };
    Q_ENUM(Status)

    explicit QmlWebSocket(QObject *parent = nullptr);
    // The server's side of a connection a WebSocketServer accepted; owns it.
    QmlWebSocket(Connection *accepted, bool secure, QObject *parent);
    ~QmlWebSocket() override;

    void classBegin() override;
    void componentComplete() override;

    QUrl url() const;
    void setUrl(const QUrl &url);
    QStringList requestedSubprotocols() const;
    void setRequestedSubprotocols(const QStringList &subprotocols);
    QString negotiatedSubprotocol() const;
    Status status() const;
    QString errorString() const;
    bool isActive() const;
    void setActive(bool active);

    int closeCode() const;
    QString closeReason() const;
    double bufferedAmount() const;
    QVariantMap requestHeaders() const;
    void setRequestHeaders(const QVariantMap &headers);
    bool isCompressionEnabled() const;
    void setCompressionEnabled(bool enabled);
    bool isCompressionNegotiated() const;
    int keepAliveInterval() const;
    void setKeepAliveInterval(int milliseconds);
    int pongTimeout() const;
    void setPongTimeout(int milliseconds);
    double maxMessageSize() const;
    void setMaxMessageSize(double bytes);
    bool reconnect() const;
    void setReconnect(bool enabled);
    int reconnectMinDelay() const;
    void setReconnectMinDelay(int milliseconds);
    int reconnectMaxDelay() const;
    void setReconnectMaxDelay(int milliseconds);

    // QtWebSockets': the bytes sent, 0 when nothing was.
    Q_INVOKABLE qint64 sendTextMessage(const QString &message);
    Q_INVOKABLE qint64 sendBinaryMessage(const QByteArray &message);
    // QtWebSockets 6.10's: pong() reports the round-trip time.
    Q_INVOKABLE bool ping(const QByteArray &payload = QByteArray());
    Q_INVOKABLE void open();
    Q_INVOKABLE bool close(int code = 1000, const QString &reason = QString());

Q_SIGNALS:
    void textMessageReceived(const QString &message);
    void binaryMessageReceived(const QByteArray &message);
    void statusChanged(WsKit::QmlWebSocket::Status status);
    void activeChanged(bool isActive);
    void errorStringChanged(const QString &errorString);
    void urlChanged();
    void requestedSubprotocolsChanged();
    void negotiatedSubprotocolChanged();
    void pong(qint64 elapsedTime, const QByteArray &payload);

    void closed(int code, const QString &reason);
    void bufferedAmountChanged();
    void requestHeadersChanged();
    void compressionEnabledChanged();
    void optionsChanged();
    void reconnectChanged();
    void reconnectScheduled(int attempt, int delay);

private:
    void connectClient();
    // Reports a change of isActive(), once per change.
    void reportActive(bool active);
    void updateOptions(const std::function<void(ConnectionOptions &)> &change);
    void updatePolicy(const std::function<void(ReconnectPolicy &)> &change);

    Client m_client;
    bool m_accepted = false;       // the server's side: nothing to dial
    bool m_complete = true;        // false between classBegin() and componentComplete()
    bool m_activeAtCompletion = false;
    bool m_reportedActive = false;
};

} // namespace WsKit
