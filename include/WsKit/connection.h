#pragma once
/// @file
/// One WebSocket connection (RFC 6455): moves bytes between its transport and the
/// protocol core and turns core events into signals. A plain TCP connection reads
/// and writes its socket descriptor directly (on POSIX systems); a TLS or proxied
/// one goes through its QSslSocket or QTcpSocket (see Connection::socket()).
///
/// A Connection lives in the thread of its socket; call its methods from that
/// thread only (from another thread use QMetaObject::invokeMethod: the send
/// methods, ping(), close() and abort() are slots). Signals are emitted from the
/// event loop, never from inside the protocol core, and a receiver may delete the
/// Connection (delete or deleteLater) from any slot.

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
class PreparedMessage;

/// One open WebSocket, in either role: sends and receives messages, answers
/// control frames, and closes.
///
/// A Server hands out server-side connections (Server::newConnection()), a Dialer
/// client-side ones (Dialer::dial()). See docs/qt-layer.md.
class WSKIT_EXPORT Connection : public QObject
{
    Q_OBJECT
    /// Where the connection stands.
    Q_PROPERTY(WsKit::Connection::State state READ state NOTIFY stateChanged)
    /// Bytes queued and not yet handed to the kernel.
    Q_PROPERTY(qint64 bufferedAmount READ bufferedAmount NOTIFY bufferedAmountChanged)
    /// Which end of the connection this is.
    Q_PROPERTY(WsKit::Connection::Role role READ role CONSTANT)
    /// The negotiated subprotocol, empty when none.
    Q_PROPERTY(QString subprotocol READ subprotocol NOTIFY stateChanged)
    /// The last error that failed or ended the connection.
    Q_PROPERTY(WsKit::Connection::Error error READ error NOTIFY errorOccurred)
    /// The text of error().
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
    /// Whether permessage-deflate was negotiated.
    Q_PROPERTY(bool compressionNegotiated READ isCompressionNegotiated NOTIFY stateChanged)
    /// Whether messages sent from now on are compressed (when negotiated).
    Q_PROPERTY(bool outgoingCompressionEnabled READ isOutgoingCompressionEnabled WRITE setOutgoingCompressionEnabled
                   NOTIFY outgoingCompressionEnabledChanged)

public:
    /// Which end of the connection this is.
    enum class Role {
        Client, ///< opened by a Dialer
        Server, ///< accepted by a Server or an Upgrader
    };
    Q_ENUM(Role)

    /// Where the connection stands.
    enum class State {
        Connecting, ///< a client waiting for the opening handshake
        Open,       ///< messages flow both ways
        Closing,    ///< a close frame was sent or received; waiting for the end
        Closed,     ///< the transport is closed; closed() was emitted
    };
    Q_ENUM(State)

    /// The kind of a data message.
    enum class MessageType {
        Text,   ///< UTF-8 text (checked on arrival and when sent)
        Binary, ///< any bytes
    };
    Q_ENUM(MessageType)

    /// Close codes (RFC 6455 §7.4.1), for close(), closed() and closeCode().
    ///
    /// Codes 3000-4999 (registered and private use) are valid as well: the enum
    /// holds any quint16 (CloseCode(4000)), and close() takes the number.
    enum CloseCode : quint16 {
        CloseCodeNormal = 1000,             ///< the purpose of the connection was fulfilled
        CloseCodeGoingAway = 1001,          ///< a server going down, a page navigated away
        CloseCodeProtocolError = 1002,      ///< the peer broke the protocol
        CloseCodeUnsupportedData = 1003,    ///< a kind of data the endpoint cannot take
        CloseCodeNoStatus = 1005,           ///< the peer's close frame had no code; never sent
        CloseCodeAbnormal = 1006,           ///< the transport ended without a close frame; never sent
        CloseCodeInvalidPayload = 1007,     ///< data inconsistent with its type (bad UTF-8)
        CloseCodePolicyViolation = 1008,    ///< a message against the endpoint's policy
        CloseCodeMessageTooBig = 1009,      ///< a message too big to process
        CloseCodeMandatoryExtension = 1010, ///< the client needs an extension the server did not agree to
        CloseCodeInternalError = 1011,      ///< the server met an unexpected condition
        CloseCodeServiceRestart = 1012,     ///< the server is restarting
        CloseCodeTryAgainLater = 1013,      ///< the server is overloaded for now
        CloseCodeBadGateway = 1014,         ///< a gateway got a bad answer upstream
    };
    Q_ENUM(CloseCode)

    /// What failed, ended the connection, or made a send be refused.
    ///
    /// errorOccurred() carries failures, sendRefused() refusals. Values are only
    /// appended.
    enum class Error {
        NoError,         ///< nothing went wrong
        ProtocolError,   ///< the peer broke RFC 6455; failed with 1002
        InvalidPayload,  ///< invalid UTF-8 or compressed data; failed with 1007
        MessageTooBig,   ///< over maxMessageSize; failed with 1009
        InternalError,   ///< failed with 1011 (the compressor failed)
        // A refused send (sendRefused(), never errorOccurred()); nothing was sent.
        SendAfterClose,  ///< a send after our close frame
        InvalidSend,     ///< invalid UTF-8 text, control payload over 125 bytes, bad close code,
                         ///< a message while a MessageWriter is open, or a send before opening
        WriteBufferFull, ///< the send would pass maxBufferedAmount
        CloseTimeout,    ///< the peer did not answer our close frame in time; aborted
        PongTimeout,     ///< keep-alive: no pong in time; aborted
        IdleTimeout,     ///< nothing received for idleTimeout; closed with 1001
        TransportError,  ///< the socket failed or ended without a closing handshake
        // A client's opening handshake (Dialer) failed; the connection never opened.
        InvalidRequest,    ///< the URL or header fields cannot be used; nothing was sent
        HostNotFound,      ///< the name lookup failed
        ConnectionRefused, ///< the server refused the TCP connection
        TlsError,          ///< the TLS handshake failed (sslErrors() tells why when it was verification)
        ProxyError,        ///< the proxy refused, failed, or wanted other credentials
        HandshakeTimeout,  ///< the connection was not open within the handshake timeout
        HandshakeFailed,   ///< the server did not accept the upgrade; see handshakeResponse()
        WriteTimeout,      ///< our output waited longer than ConnectionOptions::writeTimeout()
                           ///< for the peer to take it (it stopped reading); aborted, 1006
    };
    Q_ENUM(Error)

    /// Answers the peer's ping instead of the default pong with the same payload
    /// (RFC 6455 §5.5.2); it may call sendPong() itself.
    using PingHandler = std::function<void(const QByteArray &payload)>;
    /// Answers the peer's close frame instead of the default close frame echoing its
    /// code (RFC 6455 §5.5.1); it answers by calling close() itself.
    using CloseHandler = std::function<void(quint16 code, const QString &reason)>;

    /// Aborts an open connection, without closed().
    ~Connection() override;

    /// Which end of the connection this is.
    Role role() const;
    /// Where the connection stands.
    State state() const;
    /// The limits, timeouts and compression settings in force.
    ConnectionOptions options() const;
    /// Changes the options of the open connection.
    ///
    /// New limits and timeouts apply at once; a new compression level or threshold
    /// from the next message; compression().isEnabled() switches outgoing
    /// compression like setOutgoingCompressionEnabled(). What the handshake
    /// negotiated (windows, context takeover) and memLevel stay.
    void setOptions(const ConnectionOptions &options);
    /// Replaces the default answer to pings; an empty function restores it.
    void setPingHandler(PingHandler handler);
    /// Replaces the default answer to the peer's close frame; an empty function restores it.
    void setCloseHandler(CloseHandler handler);

    /// Bytes queued for the socket and not yet written to it.
    qint64 bufferedAmount() const;

    /// The last error that failed or ended the connection (errorOccurred()), kept
    /// after it closed. Refused sends (sendRefused()) never change it.
    Error error() const;
    /// The text of error(): what happened, in an English sentence.
    QString errorString() const;
    /// Why the latest send (or close()) was refused: SendAfterClose, InvalidSend or
    /// WriteBufferFull; NoError when it was not.
    ///
    /// For code that checks a send's result on the spot, as
    /// `if (!c->sendText(t) && c->sendRefusal() == Connection::Error::WriteBufferFull)`;
    /// sendRefused() carries the same, with a text.
    Error sendRefusal() const;

    /// After closed(): the code it carried (see CloseCode).
    quint16 closeCode() const;
    /// After closed(): the reason it carried.
    QString closeReason() const;
    /// Whether code is not one of the expected ones (gorilla's
    /// IsUnexpectedCloseError): for logging closes that are not part of the
    /// application's normal life, e.g. anything but 1000 and 1001.
    static bool isUnexpectedCloseCode(quint16 code, const QList<quint16> &expected);

    /// The negotiated subprotocol, empty when none.
    QString subprotocol() const;
    /// The target of the opening handshake's request ("/chat?room=1").
    QByteArray requestTarget() const;
    /// The header fields of the opening handshake's request.
    HttpHeaderList requestHeaders() const;
    /// The header fields of the opening handshake's 101 response.
    HttpHeaderList responseHeaders() const;

    /// Whether permessage-deflate (RFC 7692) was negotiated in the opening handshake.
    bool isCompressionNegotiated() const;
    /// The compression in effect, from our side: when negotiated, the agreed window
    /// sizes and context takeover of both sides (windowBits is the window we compress
    /// with) and the level, memLevel and threshold of options(); otherwise a value
    /// whose isEnabled() is false.
    CompressionOptions negotiatedCompression() const;

    /// Whether messages sent from now on are compressed, when compression was
    /// negotiated (default true); messages under the threshold never are. Turn it
    /// off around data that does not compress (images, archives): deflating it costs
    /// CPU and adds a few bytes. A message being written keeps the choice it began with.
    bool isOutgoingCompressionEnabled() const;
    /// Sets isOutgoingCompressionEnabled().
    void setOutgoingCompressionEnabled(bool enabled);
    /// The zlib level (0-9) of messages compressed from the next one on, as
    /// options().compression().level() (gorilla's SetCompressionLevel). The peer
    /// notices nothing but the size; memLevel and the windows stay as negotiated.
    void setCompressionLevel(int level);

    /// Our address on the connection.
    QHostAddress localAddress() const;
    /// Our port on the connection.
    quint16 localPort() const;
    /// The peer's address. On the server side it is the client's: behind a trusted
    /// reverse proxy (Server::setTrustedProxies()), the address the proxy forwarded.
    QHostAddress peerAddress() const;
    /// The peer's port; behind a trusted proxy, the port it forwarded, 0 when it gave none.
    quint16 peerPort() const;
    /// Qt's socket under this connection, when it has one; nullptr otherwise.
    ///
    /// A connection over TLS (a QSslSocket), through a proxy, or on a system
    /// without the descriptor transport (Windows) keeps the QTcpSocket of its
    /// opening handshake, owned by the Connection. A plain TCP connection on a
    /// POSIX system reads and writes its socket descriptor itself, without Qt's
    /// socket buffers: there, as before the opening handshake of a client, this is
    /// nullptr (setting WSKIT_TRANSPORT=socket in the environment keeps Qt's
    /// socket everywhere). Never read from or write to the socket: the Connection
    /// does. For socket options use socketDescriptor(), which every transport has.
    QTcpSocket *socket() const;
    /// The native socket descriptor of the open connection, for socket options
    /// (setsockopt(), getsockopt()); -1 before it opened and once it closed.
    ///
    /// Never read from, write to or close it: the Connection does.
    qintptr socketDescriptor() const;

    /// Streams one message in pieces, each piece a frame. Only one message may be
    /// open at a time; other data messages are refused until it is finished.
    MessageWriter beginMessage(MessageType type);

    /// A client's opening handshake: the server's response (status and header
    /// fields) and, when the status was not 101, up to
    /// Dialer::MaxResponseBodyStart bytes of its body. Status 0 when no complete
    /// response head arrived, and on the server side.
    HttpResponse handshakeResponse() const;
    /// From a slot connected to sslErrors(): go on with the TLS handshake despite
    /// these errors.
    void ignoreSslErrors();

public Q_SLOTS:
    /// Sends text as a text message.
    ///
    /// Returns true when the message was queued; false (and sendRefused()) when it
    /// was refused, with nothing sent and the connection as it was. So do the other
    /// sends.
    bool sendText(const QString &text);
    /// Sends utf8 as a text message; the bytes must be valid UTF-8 (checked).
    bool sendTextUtf8(const QByteArray &utf8);
    /// Sends data as a binary message.
    bool sendBinary(const QByteArray &data);
    /// Sends payload as a message of type (text is checked to be UTF-8).
    bool sendMessage(const QByteArray &payload, WsKit::Connection::MessageType type);
    /// Sends the document as a text message, in compact form (as gorilla's WriteJSON).
    bool sendJson(const QJsonDocument &document);
    /// Sends a message encoded once for many connections (a broadcast).
    ///
    /// The same message, on the wire, as sendMessage(message.payload(), message.type())
    /// would send now; where this connection can take bytes already built for another
    /// one, it is handed those instead of encoding the message again (see
    /// PreparedMessage for when it can). Refused like sendMessage(), and with
    /// InvalidSend for a null message or text that is not valid UTF-8.
    bool sendPrepared(const WsKit::PreparedMessage &message);
    /// Sends a ping with payload (at most 125 bytes); pongReceived() times the answer.
    bool ping(const QByteArray &payload = {});
    /// An unsolicited pong (a one-way heartbeat), or the answer of a custom ping handler.
    bool sendPong(const QByteArray &payload = {});

    /// Starts the closing handshake (RFC 6455 §7.1.2). closed() follows once the peer
    /// answered and the TCP connection ended, or after closeTimeout.
    bool close(quint16 code = CloseCodeNormal, const QString &reason = {});
    /// Drops the TCP connection at once: closed(1006) unless a close frame came in.
    void abort();

Q_SIGNALS:
    /// A whole data message arrived (not with incoming streaming).
    void messageReceived(const QByteArray &payload, WsKit::Connection::MessageType type);
    /// Built only when connected: a text message as QString.
    void textMessageReceived(const QString &text);
    /// Parsed only when connected: a text message as JSON. When it is not valid JSON,
    /// document is null and error says why and where (error.error is not
    /// QJsonParseError::NoError); the connection stays open.
    void jsonMessageReceived(const QJsonDocument &document, const QJsonParseError &error);
    /// A binary message arrived.
    void binaryMessageReceived(const QByteArray &data);
    /// With incoming streaming: the pieces of a message as they arrive.
    void messageChunkReceived(const QByteArray &chunk, WsKit::Connection::MessageType type, bool first,
                              bool last);
    /// The peer's ping arrived (the default handler already answered it).
    void pingReceived(const QByteArray &payload);
    /// A pong arrived; elapsed: milliseconds since our latest ping, or -1 when we sent none.
    void pongReceived(qint64 elapsed, const QByteArray &payload);
    /// The same as pongReceived(), under its former name.
    void pong(qint64 elapsed, const QByteArray &payload);
    /// Exactly once. code: the peer's close code (1005 when its close frame had none),
    /// the code we sent when we failed the connection, or 1006 when the transport
    /// ended without a close frame from the peer. Codes 3000-4999 arrive as they
    /// were sent (compare them as numbers).
    void closed(WsKit::Connection::CloseCode code, const QString &reason);
    /// Something failed or ended the connection (a protocol violation, a timeout, the
    /// transport); error() says the same afterwards.
    void errorOccurred(WsKit::Connection::Error error, const QString &errorString);
    /// A send (or close()) was refused and nothing was sent; the connection is as it
    /// was and error() is unchanged.
    void sendRefused(WsKit::Connection::Error error, const QString &errorString);
    /// state() changed.
    void stateChanged(WsKit::Connection::State state);
    /// bufferedAmount() grew or drained.
    void bufferedAmountChanged(qint64 bytes);
    /// A client's opening handshake succeeded: the state is Open.
    void opened();
    /// wss: verifying the server failed. Unless a slot calls ignoreSslErrors(), the
    /// dial fails with TlsError.
    void sslErrors(const QList<QSslError> &errors);
    /// isOutgoingCompressionEnabled() changed.
    void outgoingCompressionEnabledChanged(bool enabled);

protected:
    /// Runs the close, keep-alive, pong and idle timers.
    void timerEvent(QTimerEvent *event) override;
    /// Handles QEvent::ThreadChange: output still waiting for this event-loop
    /// turn goes out before the connection moves to another thread.
    bool event(QEvent *event) override;

private:
    friend class ConnectionPrivate;
    friend class MessageWriter;
    Connection(std::unique_ptr<ConnectionPrivate> d, QObject *parent);
    std::unique_ptr<ConnectionPrivate> d;
};

} // namespace WsKit
