#include "connection_p.h"

#include "compressionoptions_p.h"
#include "logging_p.h"
#include "messagestorage_p.h"
#include "maskkeys_p.h"
#include "preparedmessage_p.h"

#include <WsKit/Core/closecode.h>
#include <WsKit/Core/utf8.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QMetaMethod>
#include <QtCore/QTimerEvent>
#include <QtNetwork/QTcpSocket>

namespace WsKit {

namespace {

// Payloads from this size on are handed to the transport as shared QByteArrays
// behind their frame header rather than copied into the core's output (QIODevice
// shares chunks this big; the descriptor transport gathers header and payload
// into one system call).
constexpr qsizetype ZeroCopySendSize = 64 * 1024;

// The bytes of one transport read, handed to the core, which unmasks them in place
// and points events into them until nextEvent() returns None. One buffer per
// thread serves every connection of that thread, so an idle connection holds no
// read buffer; a read nested inside a slot (a nested event loop) gets its own.
class ReadBuffer
{
public:
    static constexpr qint64 Size = 256 * 1024;

    ReadBuffer()
    {
        if (s_shared.inUse) {
            m_own = std::make_unique<char[]>(Size);
            m_data = m_own.get();
            return;
        }
        if (!s_shared.bytes)
            s_shared.bytes = std::make_unique<char[]>(Size);
        s_shared.inUse = true;
        m_data = s_shared.bytes.get();
    }
    ~ReadBuffer()
    {
        if (!m_own)
            s_shared.inUse = false;
    }
    ReadBuffer(const ReadBuffer &) = delete;
    ReadBuffer &operator=(const ReadBuffer &) = delete;

    char *data() const { return m_data; }

private:
    struct Shared {
        std::unique_ptr<char[]> bytes;
        bool inUse = false;
    };
    static thread_local Shared s_shared;
    std::unique_ptr<char[]> m_own;
    char *m_data = nullptr;
};

thread_local ReadBuffer::Shared ReadBuffer::s_shared;

// The text message being delivered in this thread, valid UTF-8 as the core
// checked: sending those very bytes back (an echo) or on (a relay, a broadcast)
// from a slot skips checking them again. Only while it is emitted, when the
// delivering connection's own reference to the buffer keeps anyone from changing
// it in place.
struct DeliveredText {
    const char *data = nullptr;
    qsizetype size = -1;
};
thread_local DeliveredText t_deliveredText;

bool isDeliveredText(const QByteArray &utf8)
{
    return utf8.constData() == t_deliveredText.data && utf8.size() == t_deliveredText.size;
}

Core::MessageType toCore(Connection::MessageType type)
{
    return type == Connection::MessageType::Text ? Core::MessageType::Text : Core::MessageType::Binary;
}

Connection::MessageType fromCore(Core::MessageType type)
{
    return type == Core::MessageType::Text ? Connection::MessageType::Text : Connection::MessageType::Binary;
}

Connection::Error fromCore(Core::Error error)
{
    switch (Core::errorCloseCode(error)) {
    case Core::CloseCode::ProtocolError:
        return Connection::Error::ProtocolError;
    case Core::CloseCode::InvalidPayload:
        return Connection::Error::InvalidPayload;
    case Core::CloseCode::MessageTooBig:
        return Connection::Error::MessageTooBig;
    case Core::CloseCode::InternalError:
        return Connection::Error::InternalError;
    default:
        break;
    }
    return error == Core::Error::SendAfterClose ? Connection::Error::SendAfterClose : Connection::Error::InvalidSend;
}

std::string_view view(const QByteArray &bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

QByteArray toByteArray(std::string_view bytes)
{
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()));
}

Core::ProtocolOptions protocolOptions(Connection::Role role, const ConnectionOptions &options)
{
    Core::ProtocolOptions result;
    result.maxMessageSize = static_cast<std::size_t>(options.maxMessageSize());
    result.outgoingFragmentSize = static_cast<std::size_t>(options.outgoingFragmentSize());
    result.streamIncoming = options.isIncomingStreaming();
    const CompressionOptions compression = options.compression();
    result.compressionThreshold = static_cast<std::size_t>(compression.threshold());
    result.deflateTuning = deflateTuning(compression);
    if (role == Connection::Role::Client) {
        // RFC 6455 §5.3: keys must be unpredictable, so they come from the
        // system's cryptographic source.
        result.maskKeySource = nextMaskKey;
    }
    return result;
}

} // namespace

// ---- ConnectionPrivate ------------------------------------------------------

Connection *ConnectionPrivate::create(Connection::Role role, const ConnectionOptions &options, QObject *parent)
{
    return new Connection(std::make_unique<ConnectionPrivate>(role, options), parent);
}

ConnectionPrivate::ConnectionPrivate(Connection::Role connectionRole, const ConnectionOptions &connectionOptions)
    : role(connectionRole)
    , options(connectionOptions)
    , protocol(role == Connection::Role::Client ? Core::Role::Client : Core::Role::Server,
               protocolOptions(role, options))
{
    protocol.setMessageStorage(&messageStorage);
}

ConnectionPrivate::~ConnectionPrivate()
{
    FlushQueue::remove(this);
}

void ConnectionPrivate::open(QTcpSocket *socket, Handshake settled)
{
    handshake = std::move(settled);
    transport = Transport::create(socket, q, this);
    protocol.open(handshake.deflate);
    state = Connection::State::Open;
    applyOptions();
    QMetaObject::invokeMethod(q, [this] { readAvailable(); }, Qt::QueuedConnection);
}

void ConnectionPrivate::applyOptions()
{
    if (transport)
        transport->setNoDelay(options.isNoDelay());
    protocol.setMaxMessageSize(static_cast<std::size_t>(options.maxMessageSize()));
    protocol.setStreamIncoming(options.isIncomingStreaming());
    protocol.setOutgoingFragmentSize(static_cast<std::size_t>(options.outgoingFragmentSize()));
    protocol.setCompressionThreshold(static_cast<std::size_t>(options.compression().threshold()));
    protocol.setCompressionLevel(options.compression().level());
    if (state != Connection::State::Open)
        return;
    const auto keepAlive = options.keepAliveInterval();
    if (keepAlive.count() > 0)
        m_keepAliveTimer.start(static_cast<int>(keepAlive.count()), q);
    else
        m_keepAliveTimer.stop();
    const auto idle = options.idleTimeout();
    m_lastReceived = std::chrono::steady_clock::now();
    if (idle.count() > 0)
        m_idleTimer.start(static_cast<int>(idle.count()), q);
    else
        m_idleTimer.stop();
    trackDrain(bufferedAmount()); // a write timeout set now also times what waits already
}

qint64 ConnectionPrivate::bufferedAmount() const
{
    const auto amount = static_cast<qint64>(protocol.pendingOutput().size());
    return transport ? amount + transport->bytesToWrite() : amount;
}

bool ConnectionPrivate::overBufferLimit() const
{
    const qint64 limit = options.maxBufferedAmount();
    return limit > 0 && bufferedAmount() > limit;
}

void ConnectionPrivate::readAvailable()
{
    if (!transport || state == Connection::State::Closed)
        return;
    if (m_reading) {
        // A nested event loop inside one of our slots: the read that runs it goes
        // on once the slot returned; until then the transport stops reporting input.
        transport->setReading(false);
        return;
    }
    const QPointer<Connection> guard(q);
    m_reading = true;
    m_readPaused = false;
    const bool trackIdle = options.idleTimeout().count() > 0;
    for (;;) {
        if (overBufferLimit()) {
            m_readPaused = true;
            break;
        }
        const ReadBuffer buffer;
        const qint64 size = transport->read(buffer.data(), ReadBuffer::Size);
        if (size <= 0)
            break;
        // After the closing handshake the bytes are only drained, so that the
        // transport notices the peer closing it.
        if (protocol.state() == Core::Protocol::State::Closed)
            continue;
        if (trackIdle)
            m_lastReceived = std::chrono::steady_clock::now();
        protocol.receive(buffer.data(), static_cast<std::size_t>(size));
        for (Core::Event event = protocol.nextEvent(); event.type != Core::Event::Type::None;
             event = protocol.nextEvent()) {
            if (!dispatch(event, guard))
                return;
        }
    }
    m_reading = false;
    transport->setReading(!m_readPaused);
    afterProtocolStep();
}

bool ConnectionPrivate::dispatch(const Core::Event &event, const QPointer<Connection> &guard)
{
    using Type = Core::Event::Type;
    switch (event.type) {
    case Type::Message:
        return dispatchMessage(event, guard);
    case Type::MessageChunk:
        Q_EMIT q->messageChunkReceived(toByteArray(event.payload), fromCore(event.messageType), event.first,
                                       event.last);
        return !guard.isNull();
    case Type::Ping: {
        const QByteArray payload = toByteArray(event.payload);
        if (pingHandler) {
            pingHandler(payload);
            if (!guard)
                return false;
        }
        Q_EMIT q->pingReceived(payload);
        return !guard.isNull();
    }
    case Type::Pong: {
        m_pongTimer.stop();
        const qint64 elapsed = m_sincePing.isValid() ? m_sincePing.elapsed() : -1;
        const QByteArray payload = toByteArray(event.payload);
        Q_EMIT q->pongReceived(elapsed, payload);
        if (guard)
            Q_EMIT q->pong(elapsed, payload);
        return !guard.isNull();
    }
    case Type::Close:
        peerCloseCode = event.closeCode;
        peerCloseReason = QString::fromUtf8(event.closeReason.data(), static_cast<qsizetype>(event.closeReason.size()));
        qCDebug(lcConnection) << "peer closed with" << peerCloseCode << peerCloseReason;
        startCloseTimer();
        setState(Connection::State::Closing, guard);
        if (guard && closeHandler)
            closeHandler(peerCloseCode, peerCloseReason);
        return !guard.isNull();
    case Type::Failed:
        m_failed = true;
        failCode = event.closeCode;
        qCDebug(lcConnection) << "failing the connection:" << Core::errorText(event.error);
        startCloseTimer();
        if (!report(fromCore(event.error), QString::fromUtf8(Core::errorText(event.error))))
            return false;
        setState(Connection::State::Closing, guard);
        return !guard.isNull();
    case Type::None:
        break;
    }
    return true;
}

bool ConnectionPrivate::dispatchMessage(const Core::Event &event, const QPointer<Connection> &guard)
{
    static const QMetaMethod messageSignal = QMetaMethod::fromSignal(&Connection::messageReceived);
    static const QMetaMethod textSignal = QMetaMethod::fromSignal(&Connection::textMessageReceived);
    static const QMetaMethod binarySignal = QMetaMethod::fromSignal(&Connection::binaryMessageReceived);
    static const QMetaMethod jsonSignal = QMetaMethod::fromSignal(&Connection::jsonMessageReceived);

    const Connection::MessageType type = fromCore(event.messageType);
    const bool text = type == Connection::MessageType::Text;
    // Asking Qt whether a signal is connected takes a lock and costs more than
    // copying a small payload into the reused buffer messageStorage hands out;
    // a large payload is copied only for a listener.
    if (event.payload.size() >= MessageStorage::PooledMinimum && !q->isSignalConnected(messageSignal)
        && !q->isSignalConnected(text ? textSignal : binarySignal)
        && !(text && q->isSignalConnected(jsonSignal))) {
        return true;
    }
    // Shared with the storage the core assembled it in, or one copy out of the
    // read buffer; every receiver shares it.
    QByteArray payload = messageStorage.message(event.payload);
    const DeliveredText outer = std::exchange(
        t_deliveredText, text ? DeliveredText{payload.constData(), payload.size()} : DeliveredText{});
    Q_EMIT q->messageReceived(payload, type);
    bool alive = !guard.isNull();
    // The QString and the JSON document are built only for a listener.
    if (alive && text && q->isSignalConnected(textSignal)) {
        Q_EMIT q->textMessageReceived(QString::fromUtf8(payload));
        alive = !guard.isNull();
    } else if (alive && !text) {
        Q_EMIT q->binaryMessageReceived(payload);
        alive = !guard.isNull();
    }
    if (alive && text && q->isSignalConnected(jsonSignal)) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(payload, &parseError);
        Q_EMIT q->jsonMessageReceived(document, parseError);
        alive = !guard.isNull();
    }
    t_deliveredText = outer;
    MessageStorage::recycle(std::move(payload));
    return alive;
}

void ConnectionPrivate::afterProtocolStep()
{
    flush();
    if (protocol.shouldCloseTransport())
        closeTransport();
    notifyBufferedAmount();
}

void ConnectionPrivate::flush()
{
    FlushQueue::remove(this);
    const std::string_view output = protocol.pendingOutput();
    if (output.empty() || !transport)
        return;
    // A transport that ended takes nothing: the output goes with it.
    transport->write(output);
    protocol.consumeOutput(output.size());
}

void ConnectionPrivate::flushSoon()
{
    // While reading, afterProtocolStep() flushes once the read is handled. Either
    // way bufferedAmountChanged() reports the amount after the flush, once per
    // batch of sends rather than once per send.
    if (!m_reading)
        FlushQueue::add(this);
}

void ConnectionPrivate::flushQueued()
{
    flush();
    notifyBufferedAmount();
}

void ConnectionPrivate::beforeThreadChange()
{
    flush();
}

void ConnectionPrivate::closeTransport()
{
    if (m_disconnecting || !transport || state == Connection::State::Closed)
        return;
    m_disconnecting = true;
    startCloseTimer();
    // Sends what is buffered first; the end is reported through transportEnded().
    transport->disconnectFromHost();
}

void ConnectionPrivate::notifyBufferedAmount()
{
    const qint64 amount = bufferedAmount();
    trackDrain(amount);
    if (amount == m_reportedBufferedAmount)
        return;
    m_reportedBufferedAmount = amount;
    Q_EMIT q->bufferedAmountChanged(amount);
}

void ConnectionPrivate::trackDrain(qint64 buffered)
{
    // Cheap on the hot path: the timer is started at most once per timeout, and
    // only checks when it fires whether the peer kept up.
    const auto timeout = options.writeTimeout();
    const qint64 written = transport ? transport->bytesWritten() : 0;
    if (timeout.count() <= 0 || buffered == 0 || written < m_drainTarget)
        return; // off, nothing waits, or the bytes being timed are still waiting
    m_drainTarget = written + buffered;
    m_drainSince = std::chrono::steady_clock::now();
    if (!m_writeTimer.isActive())
        m_writeTimer.start(static_cast<int>(timeout.count()), q);
}

void ConnectionPrivate::onWriteTimer()
{
    const qint64 buffered = bufferedAmount();
    if (buffered == 0) {
        m_writeTimer.stop();
        return;
    }
    trackDrain(buffered);
    const auto timeout = options.writeTimeout();
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                              - m_drainSince);
    if (timeout.count() > 0 && waited < timeout) {
        m_writeTimer.start(static_cast<int>((timeout - waited).count()), q);
        return;
    }
    m_writeTimer.stop();
    if (timeout.count() > 0
        && report(Connection::Error::WriteTimeout,
                  QStringLiteral("The peer did not take our output for %1 ms").arg(waited.count()))) {
        abort();
    }
}

void ConnectionPrivate::transportWritten()
{
    const QPointer<Connection> guard(q);
    m_inBytesWritten = true;
    notifyBufferedAmount();
    if (!guard)
        return;
    m_inBytesWritten = false;
    // Reading stops while the buffer is over its limit (overBufferLimit()); it
    // may have drained since.
    if (m_readPaused || transport->hasBufferedInput())
        readAvailable();
}

void ConnectionPrivate::transportEnded()
{
    if (state == Connection::State::Closed)
        return;
    if (!protocol.closeReceived() && !m_failed && !m_abortedByUs) {
        const QString text = transport->closedByPeer()
            ? QStringLiteral("The peer closed the TCP connection without a closing handshake")
            : transport->errorString();
        if (!report(Connection::Error::TransportError, text))
            return;
    }
    finish();
}

void ConnectionPrivate::finish()
{
    if (state == Connection::State::Closed)
        return;
    m_closeTimer.stop();
    m_keepAliveTimer.stop();
    m_pongTimer.stop();
    m_idleTimer.stop();
    m_writeTimer.stop();
    if (protocol.closeReceived()) {
        // RFC 6455 §7.1.5: the code of the first close frame received.
        closeCode = peerCloseCode;
        closeReason = peerCloseReason;
    } else if (m_failed) {
        closeCode = failCode;
        closeReason = errorString;
    } else {
        closeCode = Core::CloseCode::AbnormalClosure;
        closeReason.clear();
    }
    qCDebug(lcConnection) << "closed with" << closeCode << closeReason;
    const QPointer<Connection> guard(q);
    setState(Connection::State::Closed, guard);
    if (guard && tracker)
        tracker->connectionClosed(q);
    if (guard)
        Q_EMIT q->closed(static_cast<Connection::CloseCode>(closeCode), closeReason);
}

void ConnectionPrivate::setState(Connection::State newState, const QPointer<Connection> &guard)
{
    if (state == newState || state == Connection::State::Closed)
        return;
    state = newState;
    if (guard)
        Q_EMIT q->stateChanged(newState);
}

bool ConnectionPrivate::report(Connection::Error newError, const QString &text)
{
    error = newError;
    errorString = text;
    qCDebug(lcConnection) << "error:" << text;
    const QPointer<Connection> guard(q);
    Q_EMIT q->errorOccurred(newError, text);
    return !guard.isNull();
}

bool ConnectionPrivate::refuse(Connection::Error refusal, const QString &text)
{
    // A refused send leaves the connection as it was, error() included.
    qCDebug(lcConnection) << "send refused:" << text;
    sendRefusal = refusal;
    Q_EMIT q->sendRefused(refusal, text);
    return false;
}

bool ConnectionPrivate::refuse(Core::Error coreError)
{
    return refuse(fromCore(coreError), QString::fromUtf8(Core::errorText(coreError)));
}

bool ConnectionPrivate::checkOpen()
{
    // Every send passes here first: a refusal from an earlier send is history.
    sendRefusal = Connection::Error::NoError;
    if (state == Connection::State::Connecting)
        return refuse(Connection::Error::InvalidSend, QStringLiteral("The connection is not open yet"));
    if (state == Connection::State::Closed)
        return refuse(Connection::Error::SendAfterClose, QStringLiteral("The connection is closed"));
    return true;
}

bool ConnectionPrivate::checkSend(qsizetype size)
{
    if (!checkOpen())
        return false;
    // A send made while handling what this connection received is never refused:
    // reading pauses while the buffer is over its limit instead (overBufferLimit()),
    // so the peer's own pace bounds what an answering application queues.
    const qint64 limit = options.maxBufferedAmount();
    if (!m_reading && limit > 0 && bufferedAmount() + size > limit) {
        return refuse(Connection::Error::WriteBufferFull,
                      QStringLiteral("The message would pass the limit of %1 buffered outgoing bytes").arg(limit));
    }
    return true;
}

bool ConnectionPrivate::send(Connection::MessageType type, const QByteArray &payload)
{
    if (!checkSend(payload.size()))
        return false;
    // A large payload that goes on the wire unchanged is not copied: it follows
    // the frame header (and whatever output waited before it) as it is.
    if (transport && payload.size() >= ZeroCopySendSize
        && protocol.sendMessageHeader(toCore(type), static_cast<std::size_t>(payload.size()), outgoingCompression)) {
        writeAfterOutput(payload);
        return true;
    }
    const Core::Error result = protocol.sendMessage(toCore(type), view(payload), outgoingCompression);
    if (result != Core::Error::None)
        return refuse(result);
    flushSoon();
    return true;
}

void ConnectionPrivate::writeAfterOutput(const QByteArray &bytes)
{
    FlushQueue::remove(this);
    const std::string_view output = protocol.pendingOutput();
    if (transport)
        transport->write(output, bytes);
    protocol.consumeOutput(output.size());
    notifyBufferedAmount();
}

// A broadcast: a connection whose encoding can be shared (Core::sharedEncoding) is
// handed the frames built once for every connection with that encoding, after
// whatever the core still holds for it; any other gets an ordinary send.
bool ConnectionPrivate::sendPrepared(const PreparedMessage &message)
{
    const PreparedMessagePrivate *prepared = PreparedMessagePrivate::get(message);
    if (!prepared)
        return refuse(Connection::Error::InvalidSend, QStringLiteral("The prepared message is null"));
    if (!prepared->valid)
        return refuse(Connection::Error::InvalidSend, QStringLiteral("The text is not valid UTF-8"));
    const std::optional<Core::MessageEncoding> encoding = Core::sharedEncoding(
        protocol, toCore(prepared->type), static_cast<std::size_t>(prepared->payload.size()), outgoingCompression);
    if (!encoding)
        return send(prepared->type, prepared->payload);
    if (!checkSend(prepared->payload.size()))
        return false;
    const QByteArray frames = prepared->frames(*encoding);
    if (frames.isNull())
        return refuse(Core::Error::CompressionFailed);
    writeAfterOutput(frames);
    return true;
}

bool ConnectionPrivate::beginMessage(Connection::MessageType type)
{
    if (!checkSend(0))
        return false;
    const Core::Error result = protocol.beginMessage(toCore(type), outgoingCompression);
    if (result != Core::Error::None)
        return refuse(result);
    m_writerIsText = type == Connection::MessageType::Text;
    m_writerText.reset();
    return true;
}

bool ConnectionPrivate::sendFragment(std::string_view piece, bool last)
{
    if (!checkSend(static_cast<qsizetype>(piece.size())))
        return false;
    if (m_writerIsText && protocol.isMessageOpen()) {
        // Probe a copy so a refused piece leaves the message valid so far.
        Core::Utf8Validator probe = m_writerText;
        if (!probe.feed(piece) || (last && !probe.isComplete()))
            return refuse(Connection::Error::InvalidSend, QStringLiteral("The text is not valid UTF-8"));
        m_writerText = probe;
    }
    const Core::Error result = protocol.sendFragment(piece, last);
    if (result != Core::Error::None)
        return refuse(result);
    flushSoon();
    return true;
}

bool ConnectionPrivate::sendControl(Core::Opcode opcode, const QByteArray &payload)
{
    if (!checkOpen())
        return false;
    const Core::Error result = opcode == Core::Opcode::Ping ? protocol.ping(view(payload)) : protocol.pong(view(payload));
    if (result != Core::Error::None)
        return refuse(result);
    if (opcode == Core::Opcode::Ping)
        m_sincePing.start();
    flushSoon();
    return true;
}

bool ConnectionPrivate::close(quint16 code, const QString &reason)
{
    if (!checkOpen())
        return false;
    const QByteArray reasonBytes = reason.toUtf8();
    const Core::Error result = protocol.close(code, view(reasonBytes));
    if (result != Core::Error::None)
        return refuse(result);
    startCloseTimer();
    const QPointer<Connection> guard(q);
    setState(Connection::State::Closing, guard);
    if (guard)
        afterProtocolStep();
    return true;
}

void ConnectionPrivate::abort()
{
    if (state == Connection::State::Closed)
        return;
    m_abortedByUs = true;
    if (transport)
        transport->abort();
    finish();
}

HttpResponse &ConnectionPrivate::handshakeResponse()
{
    if (!m_handshakeResponse)
        m_handshakeResponse = std::make_unique<HttpResponse>(0);
    return *m_handshakeResponse;
}

void ConnectionPrivate::notifyOpened()
{
    const QPointer<Connection> guard(q);
    Q_EMIT q->stateChanged(Connection::State::Open);
    if (guard)
        Q_EMIT q->opened();
}

void ConnectionPrivate::failOpening(Connection::Error newError, const QString &text)
{
    if (state == Connection::State::Closed)
        return;
    if (report(newError, text))
        finish();
}

void ConnectionPrivate::startCloseTimer()
{
    if (!m_closeTimer.isActive() && state != Connection::State::Closed)
        m_closeTimer.start(static_cast<int>(options.closeTimeout().count()), q);
}

void ConnectionPrivate::onTimer(int timerId)
{
    const QPointer<Connection> guard(q);
    if (timerId == m_closeTimer.timerId()) {
        m_closeTimer.stop();
        if (protocol.closeSent() && !protocol.closeReceived() && !m_failed
            && !report(Connection::Error::CloseTimeout,
                       QStringLiteral("The peer did not answer the close frame in time"))) {
            return;
        }
        abort();
    } else if (timerId == m_keepAliveTimer.timerId()) {
        if (state != Connection::State::Open || m_pongTimer.isActive())
            return;
        if (sendControl(Core::Opcode::Ping, {}) && guard)
            m_pongTimer.start(static_cast<int>(options.pongTimeout().count()), q);
    } else if (timerId == m_pongTimer.timerId()) {
        m_pongTimer.stop();
        if (report(Connection::Error::PongTimeout, QStringLiteral("No pong came back in time")))
            abort();
    } else if (timerId == m_writeTimer.timerId()) {
        onWriteTimer();
    } else if (timerId == m_idleTimer.timerId()) {
        const auto idleFor = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - m_lastReceived);
        const auto limit = options.idleTimeout();
        if (idleFor < limit) {
            m_idleTimer.start(static_cast<int>((limit - idleFor).count()), q);
            return;
        }
        m_idleTimer.stop();
        if (report(Connection::Error::IdleTimeout, QStringLiteral("Nothing was received for %1 ms").arg(limit.count())))
            close(Core::CloseCode::GoingAway, QStringLiteral("Idle timeout"));
    }
}

// ---- Connection -------------------------------------------------------------

Connection::Connection(std::unique_ptr<ConnectionPrivate> dd, QObject *parent)
    : QObject(parent)
    , d(std::move(dd))
{
    d->q = this;
}

Connection::~Connection()
{
    if (d->tracker)
        d->tracker->connectionDestroyed(this);
    // The transport's Qt objects are our children; end them before d goes so no
    // slot of ours runs. A receiver may delete us from inside one of their own
    // signals, where they must outlive the emission.
    if (!d->transport)
        return;
    if (d->m_reading || d->m_inBytesWritten)
        d->transport->deferDeletion();
    d->transport.reset();
}

Connection::Role Connection::role() const
{
    return d->role;
}

Connection::State Connection::state() const
{
    return d->state;
}

ConnectionOptions Connection::options() const
{
    return d->options;
}

void Connection::setOptions(const ConnectionOptions &options)
{
    const bool wasEnabled = d->options.compression().isEnabled();
    d->options = options;
    d->applyOptions();
    // On an open connection, turning compression off or on is the same switch as
    // setOutgoingCompressionEnabled(); what was negotiated stays.
    if (options.compression().isEnabled() != wasEnabled)
        setOutgoingCompressionEnabled(options.compression().isEnabled());
}

void Connection::setCompressionLevel(int level)
{
    CompressionOptions compression = d->options.compression();
    compression.setLevel(level);
    d->options.setCompression(compression);
    d->applyOptions();
}

void Connection::setPingHandler(PingHandler handler)
{
    d->pingHandler = std::move(handler);
    d->protocol.setAutoPong(!d->pingHandler);
}

void Connection::setCloseHandler(CloseHandler handler)
{
    d->closeHandler = std::move(handler);
    d->protocol.setAutoCloseReply(!d->closeHandler);
}

qint64 Connection::bufferedAmount() const
{
    return d->bufferedAmount();
}

Connection::Error Connection::error() const
{
    return d->error;
}

Connection::Error Connection::sendRefusal() const
{
    return d->sendRefusal;
}

QString Connection::errorString() const
{
    return d->errorString;
}

quint16 Connection::closeCode() const
{
    return d->closeCode;
}

QString Connection::closeReason() const
{
    return d->closeReason;
}

bool Connection::isUnexpectedCloseCode(quint16 code, const QList<quint16> &expected)
{
    return !expected.contains(code);
}

QString Connection::subprotocol() const
{
    return d->handshake.subprotocol;
}

QByteArray Connection::requestTarget() const
{
    return d->handshake.requestTarget;
}

HttpHeaderList Connection::requestHeaders() const
{
    return d->handshake.requestHeaders.toList();
}

HttpHeaderList Connection::responseHeaders() const
{
    return d->handshake.responseHeaders.toList();
}

bool Connection::isCompressionNegotiated() const
{
    return d->handshake.deflate.has_value();
}

CompressionOptions Connection::negotiatedCompression() const
{
    if (!d->handshake.deflate) {
        CompressionOptions none;
        none.setEnabled(false);
        return none;
    }
    // The tuning the codec was created with, and the threshold now in force.
    const Core::ProtocolOptions &used = d->protocol.options();
    return agreedCompression(*d->handshake.deflate, d->role == Role::Server ? Core::Role::Server : Core::Role::Client,
                             used.deflateTuning, used.compressionThreshold);
}

bool Connection::isOutgoingCompressionEnabled() const
{
    return d->outgoingCompression;
}

void Connection::setOutgoingCompressionEnabled(bool enabled)
{
    if (d->outgoingCompression == enabled)
        return;
    d->outgoingCompression = enabled;
    Q_EMIT outgoingCompressionEnabledChanged(enabled);
}

QHostAddress Connection::localAddress() const
{
    return d->transport ? d->transport->localAddress() : QHostAddress();
}

quint16 Connection::localPort() const
{
    return d->transport ? d->transport->localPort() : 0;
}

QHostAddress Connection::peerAddress() const
{
    if (d->handshake.forwardedPeer)
        return d->handshake.forwardedPeer->first;
    return d->transport ? d->transport->peerAddress() : QHostAddress();
}

quint16 Connection::peerPort() const
{
    if (d->handshake.forwardedPeer)
        return d->handshake.forwardedPeer->second;
    return d->transport ? d->transport->peerPort() : 0;
}

QTcpSocket *Connection::socket() const
{
    return d->transport ? d->transport->socket() : nullptr;
}

qintptr Connection::socketDescriptor() const
{
    return d->transport ? d->transport->descriptor() : -1;
}

MessageWriter Connection::beginMessage(MessageType type)
{
    if (!d->beginMessage(type))
        return {};
    return MessageWriter(this);
}

HttpResponse Connection::handshakeResponse() const
{
    return d->m_handshakeResponse ? *d->m_handshakeResponse : HttpResponse(0);
}

void Connection::ignoreSslErrors()
{
    d->ignoreSslErrors = true;
}

bool Connection::sendText(const QString &text)
{
    // QString::toUtf8() always yields valid UTF-8 (lone surrogates become U+FFFD).
    const QByteArray utf8 = text.toUtf8();
    return d->send(MessageType::Text, utf8);
}

bool Connection::sendTextUtf8(const QByteArray &utf8)
{
    if (!isDeliveredText(utf8) && !Core::isValidUtf8(view(utf8)))
        return d->refuse(Error::InvalidSend, QStringLiteral("The text is not valid UTF-8"));
    return d->send(MessageType::Text, utf8);
}

bool Connection::sendBinary(const QByteArray &data)
{
    return d->send(MessageType::Binary, data);
}

bool Connection::sendMessage(const QByteArray &payload, MessageType type)
{
    return type == MessageType::Text ? sendTextUtf8(payload) : sendBinary(payload);
}

bool Connection::sendJson(const QJsonDocument &document)
{
    const QByteArray json = document.toJson(QJsonDocument::Compact);
    return d->send(MessageType::Text, json);
}

bool Connection::sendPrepared(const PreparedMessage &message)
{
    return d->sendPrepared(message);
}

bool Connection::ping(const QByteArray &payload)
{
    return d->sendControl(Core::Opcode::Ping, payload);
}

bool Connection::sendPong(const QByteArray &payload)
{
    return d->sendControl(Core::Opcode::Pong, payload);
}

bool Connection::close(quint16 code, const QString &reason)
{
    return d->close(code, reason);
}

void Connection::abort()
{
    d->abort();
}

void Connection::timerEvent(QTimerEvent *event)
{
    d->onTimer(event->timerId());
}

bool Connection::event(QEvent *event)
{
    // Sent in the old thread, before the move.
    if (event->type() == QEvent::ThreadChange)
        d->beforeThreadChange();
    return QObject::event(event);
}

} // namespace WsKit
