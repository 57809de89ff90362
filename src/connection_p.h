#pragma once
// Connection's private side. Upgrader (and the client's Dialer) create
// Connections through create() and hand them the socket with open() once the
// opening handshake is done; open() picks the Transport that carries the bytes
// from then on.

#include <WsKit/Core/protocol.h>
#include <WsKit/connection.h>

#include "flushqueue_p.h"
#include "messagestorage_p.h"
#include "packedheaders_p.h"
#include "transport_p.h"

#include <QtCore/QBasicTimer>
#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace WsKit {

// Told about a Connection's end in the Connection's thread: what its Server needs
// to count and delete its connections, at less memory than signal connections.
class ConnectionTracker
{
public:
    // The connection ended; closed() follows.
    virtual void connectionClosed(Connection *connection) = 0;
    // The connection is being deleted.
    virtual void connectionDestroyed(Connection *connection) = 0;

protected:
    ~ConnectionTracker() = default;
};

class ConnectionPrivate final : public TransportEvents, public FlushQueue::Entry
{
public:
    // What the opening handshake settled.
    struct Handshake {
        QString subprotocol;
        QByteArray requestTarget;
        PackedHeaders requestHeaders;
        PackedHeaders responseHeaders;
        std::optional<Core::DeflateParameters> deflate; // permessage-deflate, when negotiated
        // The client's address and port, when a trusted proxy forwarded them;
        // otherwise the socket's peer is the client.
        std::optional<std::pair<QHostAddress, quint16>> forwardedPeer = {};
    };

    // A Connection in state Connecting, without a socket yet.
    static Connection *create(Connection::Role role, const ConnectionOptions &options, QObject *parent);
    static ConnectionPrivate *get(Connection *connection) { return connection->d.get(); }

    ConnectionPrivate(Connection::Role role, const ConnectionOptions &options);
    ~ConnectionPrivate();

    // Takes socket after a successful handshake and enters Open: the Transport
    // either reads and writes its descriptor (and the socket is deleted later) or
    // keeps the socket as a child of the Connection. Bytes already buffered in
    // socket are read from the event loop, so signals connected right after this
    // call see every message.
    void open(QTcpSocket *socket, Handshake handshake);

    // Sending, shared by Connection and MessageWriter.
    bool send(Connection::MessageType type, const QByteArray &payload);
    bool sendPrepared(const PreparedMessage &message);
    bool beginMessage(Connection::MessageType type);
    bool sendFragment(std::string_view piece, bool last);
    bool sendControl(Core::Opcode opcode, const QByteArray &payload);

    bool close(quint16 code, const QString &reason);
    void abort();

    qint64 bufferedAmount() const;
    void applyOptions();
    void onTimer(int timerId);

    // Reports a refused send (sendRefused(); error() stays); always false. Emits: call last.
    bool refuse(Connection::Error error, const QString &text);
    bool refuse(Core::Error error);

    Connection *q = nullptr;
    Connection::Role role;
    Connection::State state = Connection::State::Connecting;
    ConnectionOptions options;
    MessageStorage messageStorage; // where the core assembles messages
    Core::Protocol protocol;
    std::unique_ptr<Transport> transport; // from open() on
    Handshake handshake;
    Connection::PingHandler pingHandler;
    Connection::CloseHandler closeHandler;
    bool outgoingCompression = true;

    Connection::Error error = Connection::Error::NoError;
    Connection::Error sendRefusal = Connection::Error::NoError; // why the latest send was refused
    QString errorString;
    quint16 closeCode = 0;
    QString closeReason;
    quint16 failCode = 0;        // the code we sent when we failed the connection
    quint16 peerCloseCode = 0;   // from the peer's close frame
    QString peerCloseReason;

    // The client side (Dialer).
    // Right after open(), from the event loop: announces it (stateChanged(Open),
    // opened()) before any message is read. Emits: call last.
    void notifyOpened();
    // The opening handshake failed: reports error and ends in state Closed with
    // closed(1006), unless already closed. Emits: call last.
    void failOpening(Connection::Error error, const QString &text);
    // Created on first use: only a client's handshake fills it in.
    HttpResponse &handshakeResponse();
    std::unique_ptr<HttpResponse> m_handshakeResponse;
    bool ignoreSslErrors = false; // Connection::ignoreSslErrors() was called

    // The Server's bookkeeping: who hears of the end, and the number it knows it by.
    ConnectionTracker *tracker = nullptr;
    quint64 trackingId = 0;

    bool m_reading = false;        // inside readAvailable()
    bool m_inBytesWritten = false; // inside transportWritten()

    // The Connection moves to another thread: what waits for this thread's flush
    // goes out now.
    void beforeThreadChange();

    // TransportEvents
    void transportReadable() override { readAvailable(); }
    void transportWritten() override;
    void transportEnded() override;
    // FlushQueue::Entry
    void flushQueued() override;

private:
    // Whether the peer's bytes may be read now: not while the outgoing buffer is
    // over its limit, so a peer that does not read cannot make us queue pongs forever.
    bool overBufferLimit() const;
    void readAvailable();
    // Emits the signal for one core event; false when the Connection was deleted.
    bool dispatch(const Core::Event &event, const QPointer<Connection> &guard);
    bool dispatchMessage(const Core::Event &event, const QPointer<Connection> &guard);
    // Writes the core's output to the socket, closes the transport when the core
    // says so, and reports the buffered amount. Emits: call last.
    void afterProtocolStep();
    void flush();
    // Output of a send: written after the read being handled, or at the end of
    // this event-loop turn, so several messages go out in one system call.
    void flushSoon();
    // Writes the core's output and then bytes, shared and not copied (a large
    // payload after its frame header, prepared frames), at once.
    void writeAfterOutput(const QByteArray &bytes);
    void closeTransport();
    void notifyBufferedAmount();
    // Times what waits in the output against the write timeout (see m_drainTarget).
    void trackDrain(qint64 buffered);
    void onWriteTimer();
    // The checks before sending anything, and before queuing `size` bytes of a
    // data message. Emit when they fail.
    bool checkOpen();
    bool checkSend(qsizetype size);
    // Records an error and emits errorOccurred; false when the Connection was deleted.
    bool report(Connection::Error error, const QString &text);
    void setState(Connection::State newState, const QPointer<Connection> &guard);
    void startCloseTimer();
    void finish();

    QBasicTimer m_closeTimer;
    QBasicTimer m_keepAliveTimer;
    QBasicTimer m_pongTimer;
    QBasicTimer m_idleTimer;
    QBasicTimer m_writeTimer;
    // The write timeout: the bytes buffered at m_drainSince are out once the
    // transport has written m_drainTarget bytes in all (Transport::bytesWritten());
    // then what waits is timed afresh.
    qint64 m_drainTarget = 0;
    std::chrono::steady_clock::time_point m_drainSince;
    QElapsedTimer m_sincePing;
    std::chrono::steady_clock::time_point m_lastReceived;
    Core::Utf8Validator m_writerText; // UTF-8 of the open text message sent in pieces
    bool m_writerIsText = false;
    bool m_disconnecting = false;
    bool m_failed = false;
    bool m_abortedByUs = false;
    bool m_readPaused = false; // reading stopped: the outgoing buffer is over its limit
    qint64 m_reportedBufferedAmount = 0;
};

} // namespace WsKit
