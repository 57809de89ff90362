#pragma once
// One WebSocket connection (RFC 6455) over a QTcpSocket or QSslSocket: moves bytes
// between the socket and the protocol core and turns core events into signals.
//
// A Connection lives in the thread of its socket; call its methods from that
// thread only (from another thread use QMetaObject::invokeMethod: the send
// methods, ping(), close() and abort() are slots). Signals are emitted from the
// event loop, never from inside the protocol core, and a receiver may delete the
// Connection (delete or deleteLater) from any slot.

#include <WsKit/connectionoptions.h>
#include <WsKit/httpheaders.h>
#include <WsKit/httpresponse.h>
#include <WsKit/messagewriter.h>
#include <WsKit/wskit_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslError>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QJsonDocument;
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

class ConnectionPrivate;
class PreparedMessage;

class WSKIT_EXPORT Connection : public QObject
{
    Q_OBJECT
    Q_PROPERTY(WsKit::Connection::State state READ state NOTIFY stateChanged)
    Q_PROPERTY(qint64 bufferedAmount READ bufferedAmount NOTIFY bufferedAmountChanged)
    Q_PROPERTY(WsKit::Connection::Role role READ role CONSTANT)
    Q_PROPERTY(QString subprotocol READ subprotocol NOTIFY stateChanged)
    Q_PROPERTY(WsKit::Connection::Error error READ error NOTIFY errorOccurred)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
    Q_PROPERTY(bool compressionNegotiated READ isCompressionNegotiated NOTIFY stateChanged)
    Q_PROPERTY(bool outgoingCompressionEnabled READ isOutgoingCompressionEnabled WRITE setOutgoingCompressionEnabled
                   NOTIFY outgoingCompressionEnabledChanged)

public:
    enum class Role { Client, Server };
    Q_ENUM(Role)

    enum class State {
        Connecting, // a client waiting for the opening handshake
        Open,
        Closing,    // a close frame was sent or received; waiting for the end
        Closed,     // the transport is closed; closed() was emitted
    };
    Q_ENUM(State)

    enum class MessageType { Text, Binary };
    Q_ENUM(MessageType)

    // Values are only appended.
    enum class Error {
        NoError,
        ProtocolError,   // the peer broke RFC 6455; failed with 1002
        InvalidPayload,  // invalid UTF-8 or compressed data; failed with 1007
        MessageTooBig,   // over maxMessageSize; failed with 1009
        InternalError,   // failed with 1011 (the compressor failed)
        SendAfterClose,  // a send after our close frame; nothing sent
        InvalidSend,     // invalid UTF-8 text, control payload over 125 bytes, bad close code,
                         // or a message sent while a MessageWriter is open; nothing sent
        WriteBufferFull, // the send would pass maxBufferedAmount; nothing sent
        CloseTimeout,    // the peer did not answer our close frame in time; aborted
        PongTimeout,     // keep-alive: no pong in time; aborted
        IdleTimeout,     // nothing received for idleTimeout; closed with 1001
        TransportError,  // the socket failed or ended without a closing handshake
        // A client's opening handshake (Dialer) failed; the connection never opened.
        InvalidRequest,    // the URL or header fields cannot be used; nothing was sent
        HostNotFound,      // the name lookup failed
        ConnectionRefused, // the server refused the TCP connection
        TlsError,          // the TLS handshake failed (sslErrors() tells why when it was verification)
        ProxyError,        // the proxy refused, failed, or wanted other credentials
        HandshakeTimeout,  // the connection was not open within the handshake timeout
        HandshakeFailed,   // the server did not accept the upgrade; see handshakeResponse()
        /// Output waited longer than ConnectionOptions::writeTimeout() for the peer to
        /// take it (the peer stopped reading); aborted, 1006.
        WriteTimeout,
    };
    Q_ENUM(Error)

    // Replace the default answers to control frames. The default ping handler
    // answers with a pong carrying the same payload; the default close handler
    // answers with a close frame echoing the code (RFC 6455 §5.5.2, §5.5.1). A
    // custom close handler answers by calling close() itself. An empty function
    // restores the default.
    using PingHandler = std::function<void(const QByteArray &payload)>;
    using CloseHandler = std::function<void(quint16 code, const QString &reason)>;

    ~Connection() override;

    Role role() const;
    State state() const;
    ConnectionOptions options() const;
    void setOptions(const ConnectionOptions &options);
    void setPingHandler(PingHandler handler);
    void setCloseHandler(CloseHandler handler);

    // Bytes queued for the socket and not yet written to it.
    qint64 bufferedAmount() const;

    // The last error, kept after the connection closed.
    Error error() const;
    QString errorString() const;

    // After closed(): the code and reason it carried.
    quint16 closeCode() const;
    QString closeReason() const;

    // The negotiated subprotocol, empty when none.
    QString subprotocol() const;
    // The opening handshake: the request target and the header fields of the
    // request and of the 101 response.
    QByteArray requestTarget() const;
    HttpHeaderList requestHeaders() const;
    HttpHeaderList responseHeaders() const;

    // Whether permessage-deflate (RFC 7692) was negotiated in the opening handshake.
    bool isCompressionNegotiated() const;
    // The compression in effect, from our side: when negotiated, the agreed window
    // sizes and context takeover of both sides (windowBits is the window we compress
    // with) and the level, memLevel and threshold of options(); otherwise a value
    // whose isEnabled() is false.
    CompressionOptions negotiatedCompression() const;

    // Whether messages sent from now on are compressed, when compression was
    // negotiated (default true); messages under the threshold never are. Turn it
    // off around data that does not compress (images, archives): deflating it costs
    // CPU and adds a few bytes. A message being written keeps the choice it began with.
    bool isOutgoingCompressionEnabled() const;
    void setOutgoingCompressionEnabled(bool enabled);

    QHostAddress localAddress() const;
    quint16 localPort() const;
    /// The peer's address. On the server side it is the client's: behind a trusted
    /// reverse proxy (Server::setTrustedProxies()), the address the proxy forwarded.
    QHostAddress peerAddress() const;
    /// The peer's port; behind a trusted proxy, the port it forwarded, 0 when it gave none.
    quint16 peerPort() const;
    // The socket (a QSslSocket for wss); the Connection owns it. Read from or write
    // to it only through the Connection.
    QTcpSocket *socket() const;

    // Streams one message in pieces, each piece a frame. Only one message may be
    // open at a time; other data messages are refused until it is finished.
    MessageWriter beginMessage(MessageType type);

    // A client's opening handshake: the server's response (status and header
    // fields) and, when the status was not 101, up to
    // Dialer::MaxResponseBodyStart bytes of its body. Status 0 when no complete
    // response head arrived, and on the server side.
    HttpResponse handshakeResponse() const;
    // From a slot connected to sslErrors(): go on with the TLS handshake despite
    // these errors.
    void ignoreSslErrors();

public Q_SLOTS:
    // Each send returns true when the message was queued; false (and
    // errorOccurred) when it was refused, with nothing sent.
    bool sendText(const QString &text);
    // The bytes must be valid UTF-8 (checked).
    bool sendTextUtf8(const QByteArray &utf8);
    bool sendBinary(const QByteArray &data);
    bool sendMessage(const QByteArray &payload, WsKit::Connection::MessageType type);
    // The document as a text message, in compact form (as gorilla's WriteJSON).
    bool sendJson(const QJsonDocument &document);
    /// Sends a message encoded once for many connections (a broadcast).
    ///
    /// The same message, on the wire, as sendMessage(message.payload(), message.type())
    /// would send now; where this connection can take bytes already built for another
    /// one, it is handed those instead of encoding the message again (see
    /// PreparedMessage for when it can). Refused like sendMessage(), and with
    /// InvalidSend for a null message or text that is not valid UTF-8.
    bool sendPrepared(const WsKit::PreparedMessage &message);
    bool ping(const QByteArray &payload = {});
    // An unsolicited pong (a one-way heartbeat), or the answer of a custom ping handler.
    bool sendPong(const QByteArray &payload = {});

    // Starts the closing handshake (RFC 6455 §7.1.2). closed() follows once the peer
    // answered and the TCP connection ended, or after closeTimeout.
    bool close(quint16 code = 1000, const QString &reason = {});
    // Drops the TCP connection at once: closed(1006) unless a close frame came in.
    void abort();

Q_SIGNALS:
    void messageReceived(const QByteArray &payload, WsKit::Connection::MessageType type);
    // Built only when connected: a text message as QString.
    void textMessageReceived(const QString &text);
    void binaryMessageReceived(const QByteArray &data);
    // With incoming streaming: the pieces of a message as they arrive.
    void messageChunkReceived(const QByteArray &chunk, WsKit::Connection::MessageType type, bool first,
                              bool last);
    void pingReceived(const QByteArray &payload);
    // elapsed: milliseconds since our latest ping, or -1 when we sent none.
    void pong(qint64 elapsed, const QByteArray &payload);
    // Exactly once. code: the peer's close code (1005 when its close frame had none),
    // the code we sent when we failed the connection, or 1006 when the transport
    // ended without a close frame from the peer.
    void closed(quint16 code, const QString &reason);
    void errorOccurred(WsKit::Connection::Error error, const QString &errorString);
    void stateChanged(WsKit::Connection::State state);
    void bufferedAmountChanged(qint64 bytes);
    // A client's opening handshake succeeded: the state is Open.
    void opened();
    // wss: verifying the server failed. Unless a slot calls ignoreSslErrors(), the
    // dial fails with TlsError.
    void sslErrors(const QList<QSslError> &errors);
    void outgoingCompressionEnabledChanged(bool enabled);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class ConnectionPrivate;
    friend class MessageWriter;
    Connection(std::unique_ptr<ConnectionPrivate> d, QObject *parent);
    std::unique_ptr<ConnectionPrivate> d;
};

} // namespace WsKit
