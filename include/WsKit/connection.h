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
#include <QtCore/QJsonDocument> // complete, so jsonMessageReceived() works across threads and in QSignalSpy
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtNetwork/QHostAddress>
#include <QtNetwork/QSslError>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

class ConnectionPrivate;

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

    // Close codes (RFC 6455 §7.4.1), for close(), closed() and closeCode(). Codes
    // 3000-4999 (registered and private use) are valid as well: the enum holds any
    // quint16, and close() takes the number.
    enum CloseCode : quint16 {
        CloseCodeNormal = 1000,
        CloseCodeGoingAway = 1001,
        CloseCodeProtocolError = 1002,
        CloseCodeUnsupportedData = 1003,
        CloseCodeNoStatus = 1005, // the peer's close frame had no code; never sent
        CloseCodeAbnormal = 1006, // the transport ended without a close frame; never sent
        CloseCodeInvalidPayload = 1007,
        CloseCodePolicyViolation = 1008,
        CloseCodeMessageTooBig = 1009,
        CloseCodeMandatoryExtension = 1010,
        CloseCodeInternalError = 1011,
        CloseCodeServiceRestart = 1012,
        CloseCodeTryAgainLater = 1013,
        CloseCodeBadGateway = 1014,
    };
    Q_ENUM(CloseCode)

    // Values are only appended.
    enum class Error {
        NoError,
        ProtocolError,   // the peer broke RFC 6455; failed with 1002
        InvalidPayload,  // invalid UTF-8 or compressed data; failed with 1007
        MessageTooBig,   // over maxMessageSize; failed with 1009
        InternalError,   // failed with 1011 (the compressor failed)
        // A refused send (sendRefused(), never errorOccurred()); nothing was sent.
        SendAfterClose,  // a send after our close frame
        InvalidSend,     // invalid UTF-8 text, control payload over 125 bytes, bad close code,
                         // a message sent while a MessageWriter is open, or before opening
        WriteBufferFull, // the send would pass maxBufferedAmount
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
    // New limits and timeouts apply at once; a new compression level or threshold
    // from the next message; compression().isEnabled() switches outgoing
    // compression like setOutgoingCompressionEnabled(). What the handshake
    // negotiated (windows, context takeover) and memLevel stay.
    void setOptions(const ConnectionOptions &options);
    void setPingHandler(PingHandler handler);
    void setCloseHandler(CloseHandler handler);

    // Bytes queued for the socket and not yet written to it.
    qint64 bufferedAmount() const;

    // The last error that failed or ended the connection (errorOccurred()), kept
    // after it closed. Refused sends (sendRefused()) never change it.
    Error error() const;
    QString errorString() const;

    // After closed(): the code and reason it carried.
    quint16 closeCode() const;
    QString closeReason() const;
    // Whether code is not one of the expected ones (gorilla's
    // IsUnexpectedCloseError): for logging closes that are not part of the
    // application's normal life, e.g. anything but 1000 and 1001.
    static bool isUnexpectedCloseCode(quint16 code, const QList<quint16> &expected);

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
    // The zlib level (0-9) of messages compressed from the next one on, as
    // options().compression().level() (gorilla's SetCompressionLevel). The peer
    // notices nothing but the size; memLevel and the windows stay as negotiated.
    void setCompressionLevel(int level);

    QHostAddress localAddress() const;
    quint16 localPort() const;
    QHostAddress peerAddress() const;
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
    // sendRefused()) when it was refused, with nothing sent and the connection as
    // it was.
    bool sendText(const QString &text);
    // The bytes must be valid UTF-8 (checked).
    bool sendTextUtf8(const QByteArray &utf8);
    bool sendBinary(const QByteArray &data);
    bool sendMessage(const QByteArray &payload, WsKit::Connection::MessageType type);
    // The document as a text message, in compact form (as gorilla's WriteJSON).
    bool sendJson(const QJsonDocument &document);
    bool ping(const QByteArray &payload = {});
    // An unsolicited pong (a one-way heartbeat), or the answer of a custom ping handler.
    bool sendPong(const QByteArray &payload = {});

    // Starts the closing handshake (RFC 6455 §7.1.2). closed() follows once the peer
    // answered and the TCP connection ended, or after closeTimeout.
    bool close(quint16 code = CloseCodeNormal, const QString &reason = {});
    // Drops the TCP connection at once: closed(1006) unless a close frame came in.
    void abort();

Q_SIGNALS:
    void messageReceived(const QByteArray &payload, WsKit::Connection::MessageType type);
    // Built only when connected: a text message as QString.
    void textMessageReceived(const QString &text);
    // Parsed only when connected: a text message as JSON. When it is not valid JSON,
    // document is null and error says why and where (error.error is not
    // QJsonParseError::NoError); the connection stays open.
    void jsonMessageReceived(const QJsonDocument &document, const QJsonParseError &error);
    void binaryMessageReceived(const QByteArray &data);
    // With incoming streaming: the pieces of a message as they arrive.
    void messageChunkReceived(const QByteArray &chunk, WsKit::Connection::MessageType type, bool first,
                              bool last);
    void pingReceived(const QByteArray &payload);
    // elapsed: milliseconds since our latest ping, or -1 when we sent none.
    void pongReceived(qint64 elapsed, const QByteArray &payload);
    // The same as pongReceived(), under its former name.
    void pong(qint64 elapsed, const QByteArray &payload);
    // Exactly once. code: the peer's close code (1005 when its close frame had none),
    // the code we sent when we failed the connection, or 1006 when the transport
    // ended without a close frame from the peer. Codes 3000-4999 arrive as they
    // were sent (compare them as numbers).
    void closed(WsKit::Connection::CloseCode code, const QString &reason);
    // Something failed or ended the connection (a protocol violation, a timeout, the
    // transport); error() says the same afterwards.
    void errorOccurred(WsKit::Connection::Error error, const QString &errorString);
    // A send (or close()) was refused and nothing was sent; the connection is as it
    // was and error() is unchanged.
    void sendRefused(WsKit::Connection::Error error, const QString &errorString);
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
