#pragma once
// A WebSocket client object that can be opened again: it owns a Dialer and the
// current Connection, forwards the Connection's signals, and can reconnect by itself.

#include <WsKit/connection.h>
#include <WsKit/connectionoptions.h>
#include <WsKit/dialer.h>
#include <WsKit/httpheaders.h>
#include <WsKit/reconnectpolicy.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <chrono>
#include <memory>

namespace WsKit {

/// A WebSocket client that can be opened, closed and opened again.
///
/// A Client holds a Dialer (TLS, proxy, cookies, handshake timeout, subprotocols,
/// connection options) and the Connection it dialed last. Its signals carry those of
/// every Connection it dials, so one set of connections to them lasts across reopens
/// and reconnects. With a ReconnectPolicy enabled it dials again by itself, with
/// growing waits, whenever an attempt fails or the connection is lost, until the user
/// calls close().
///
/// A Client lives in the thread that created it and is driven by its event loop; call
/// its methods from that thread only. A slot may delete the Client, from any signal.
class WSKIT_EXPORT Client : public QObject
{
    Q_OBJECT
    /// The ws:// or wss:// URL to dial.
    Q_PROPERTY(QUrl url READ url WRITE setUrl NOTIFY urlChanged)
    /// Whether the client wants to be connected: open() sets it, close() clears it.
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    /// Where the current connection stands.
    Q_PROPERTY(WsKit::Client::Status status READ status NOTIFY statusChanged)
    /// Why the last attempt or connection failed; empty when it did not.
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    /// The subprotocols offered in the handshake, in preference order.
    Q_PROPERTY(QStringList requestedSubprotocols READ requestedSubprotocols WRITE setRequestedSubprotocols
                   NOTIFY requestedSubprotocolsChanged)
    /// The subprotocol the server chose for the open connection; empty otherwise.
    Q_PROPERTY(QString negotiatedSubprotocol READ negotiatedSubprotocol NOTIFY negotiatedSubprotocolChanged)
    /// Whether the open connection negotiated permessage-deflate.
    Q_PROPERTY(bool compressionNegotiated READ isCompressionNegotiated NOTIFY statusChanged)
    /// Bytes queued for the socket and not yet written to it.
    Q_PROPERTY(qint64 bufferedAmount READ bufferedAmount NOTIFY bufferedAmountChanged)
    /// The close code of the last connection that ended (0 before any did).
    Q_PROPERTY(int closeCode READ closeCode NOTIFY closed)
    /// The close reason of the last connection that ended.
    Q_PROPERTY(QString closeReason READ closeReason NOTIFY closed)

public:
    /// Where the client's connection stands; the values of QtWebSockets' QML WebSocket.
    enum class Status {
        Connecting, ///< dialing: name lookup, TCP, TLS, proxy or the opening handshake
        Open,       ///< the connection is open
        Closing,    ///< a close frame was sent or received; waiting for the end
        Closed,     ///< no connection: never opened, closed, or waiting to reconnect
        Error,      ///< the last attempt or connection failed (errorString() says why)
    };
    Q_ENUM(Status)

    /// A closed, inactive client with a default Dialer.
    explicit Client(QObject *parent = nullptr);
    /// Aborts the current connection, without closed().
    ~Client() override;

    /// The URL to dial.
    QUrl url() const;
    /// Sets the URL; an active client reopens on the new one at once.
    void setUrl(const QUrl &url);

    /// Whether the client wants to be connected.
    bool isActive() const;
    /// true calls open() unless already active; false calls close().
    void setActive(bool active);

    /// Where the current connection stands.
    Status status() const;
    /// The error of the last failed attempt or connection, NoError when it did not fail.
    Connection::Error error() const;
    /// Why the last attempt or connection failed; empty when it did not.
    QString errorString() const;

    /// How connections are dialed: TLS, proxy, cookie jar, timeouts, subprotocols and
    /// connection options. Applies from the next dial.
    Dialer dialer() const;
    /// Replaces the Dialer; applies from the next dial.
    void setDialer(const Dialer &dialer);

    /// The subprotocols offered (the Dialer's), in preference order.
    QStringList requestedSubprotocols() const;
    /// Sets the subprotocols offered from the next dial.
    void setRequestedSubprotocols(const QStringList &subprotocols);
    /// The subprotocol of the open connection; empty when none was chosen or none is open.
    QString negotiatedSubprotocol() const;

    /// Extra header fields of every opening handshake (Origin, Authorization …); see Dialer::dial().
    HttpHeaderList requestHeaders() const;
    /// Sets the extra header fields; applies from the next dial.
    void setRequestHeaders(const HttpHeaderList &headers);

    /// Limits, timeouts, keep-alive and compression of every connection (the Dialer's).
    ConnectionOptions connectionOptions() const;
    /// Sets the options of the next connections and of the current one
    /// (Connection::setOptions(): compression changes apply from the next connection).
    void setConnectionOptions(const ConnectionOptions &options);

    /// When to dial again after a loss; disabled by default.
    ReconnectPolicy reconnectPolicy() const;
    /// Sets the reconnect policy; it applies from the next loss. Disabling it cancels
    /// a reconnect that is waiting.
    void setReconnectPolicy(const ReconnectPolicy &policy);

    /// Takes over a connection dialed elsewhere or accepted by a Server, in place of the
    /// current one (released as by open()): the Client becomes its parent, reports its
    /// status and forwards its signals as for a connection it dialed itself, and is
    /// active while it is not closed. Its options become connectionOptions(), so they
    /// read as they are; url() is left as it is. With a reconnect policy
    /// and a URL, a lost connection is dialed again there. Null only releases the
    /// current connection and leaves the client closed and inactive.
    void adopt(Connection *connection);

    /// The current connection (dialing, open or closing); null when there is none. It
    /// belongs to the Client, which deletes it after it closed: do not keep the pointer.
    Connection *connection() const;

    /// Whether the open connection negotiated permessage-deflate.
    bool isCompressionNegotiated() const;
    /// Bytes queued for the socket and not yet written to it (0 without connection).
    qint64 bufferedAmount() const;
    /// The close code of the last connection that ended (0 before any did).
    int closeCode() const;
    /// The close reason of the last connection that ended.
    QString closeReason() const;

    /// From a slot connected to sslErrors(): go on with the TLS handshake despite the errors.
    void ignoreSslErrors();

public Q_SLOTS:
    /// Becomes active and dials url() now. A connection that is open is closed with
    /// 1000 first (its end is not reported), one being dialed is dropped, and a
    /// waiting reconnect is cancelled. Without a URL the client only becomes active,
    /// and dials as soon as setUrl() gives it one.
    void open();
    /// Sets the URL, then open().
    void open(const QUrl &url);
    /// Becomes inactive, cancels a waiting reconnect and closes the connection: an open
    /// one with the closing handshake (closed() follows), one being dialed at once
    /// (closed(1006)). Nothing reconnects afterwards. False when the code or reason
    /// cannot be sent (Connection::close()); the client then stays as it was.
    bool close(quint16 code = Connection::CloseCodeNormal, const QString &reason = {});
    /// Becomes inactive and drops the connection at once, without closing handshake.
    void abort();

    /// Sends a text message on the open connection. Each send returns true when the
    /// message was queued; false, with sendRefused(), when it was refused: no open
    /// connection (InvalidSend), or the Connection refused it.
    bool sendText(const QString &text);
    /// Sends a text message given as UTF-8 (checked).
    bool sendTextUtf8(const QByteArray &utf8);
    /// Sends a binary message.
    bool sendBinary(const QByteArray &data);
    /// Sends a text or binary message.
    bool sendMessage(const QByteArray &payload, WsKit::Connection::MessageType type);
    /// Sends the document as a compact text message.
    bool sendJson(const QJsonDocument &document);
    /// Sends a ping; pongReceived() reports the round-trip time when the answer arrives.
    bool ping(const QByteArray &payload = {});
    /// Sends an unsolicited pong.
    bool sendPong(const QByteArray &payload = {});

Q_SIGNALS:
    /// url() changed.
    void urlChanged(const QUrl &url);
    /// isActive() changed.
    void activeChanged(bool active);
    /// status() changed.
    void statusChanged(WsKit::Client::Status status);
    /// errorString() changed: cleared when a dial starts, set when one fails.
    void errorStringChanged(const QString &errorString);
    /// requestedSubprotocols() changed.
    void requestedSubprotocolsChanged(const QStringList &subprotocols);
    /// negotiatedSubprotocol() changed.
    void negotiatedSubprotocolChanged(const QString &subprotocol);

    /// A connection opened (status() is Open).
    void opened();
    /// A whole text or binary message arrived.
    void messageReceived(const QByteArray &payload, WsKit::Connection::MessageType type);
    /// A text message arrived; the QString is built only when this signal is connected.
    void textMessageReceived(const QString &text);
    /// A binary message arrived.
    void binaryMessageReceived(const QByteArray &data);
    /// With incoming streaming (ConnectionOptions), a piece of a message arrived.
    void messageChunkReceived(const QByteArray &chunk, WsKit::Connection::MessageType type, bool first, bool last);
    /// The peer's ping arrived (and was answered, unless a ping handler says otherwise).
    void pingReceived(const QByteArray &payload);
    /// A pong arrived; elapsed is the round-trip time in ms since our latest ping, -1 without one.
    void pongReceived(qint64 elapsed, const QByteArray &payload);
    /// The same as pongReceived(), under its former name.
    void pong(qint64 elapsed, const QByteArray &payload);
    /// bufferedAmount() changed.
    void bufferedAmountChanged(qint64 bytes);
    /// A connection ended, once per dialed connection (see Connection::closed()),
    /// including a dial that failed (1006).
    void closed(WsKit::Connection::CloseCode code, const QString &reason);
    /// An attempt or connection failed (see Connection::Error).
    void errorOccurred(WsKit::Connection::Error error, const QString &errorString);
    /// A send (or close()) was refused and nothing was sent; status() and error()
    /// are unchanged (see Connection::sendRefused()).
    void sendRefused(WsKit::Connection::Error error, const QString &errorString);
    /// wss: verifying the server failed; call ignoreSslErrors() from the slot to go on.
    void sslErrors(const QList<QSslError> &errors);
    /// After a loss, the client will dial again in delay (attempt counts from 1 since
    /// the last stable connection). Calling close() from the slot cancels it.
    void reconnectScheduled(int attempt, std::chrono::milliseconds delay);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
