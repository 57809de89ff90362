#include <WsKit/Core/protocol.h>

#include <algorithm>

namespace WsKit::Core {

namespace {

// Buffers that grew past a few KiB are released once drained, so an idle
// connection keeps no memory from the messages it once handled; small ones are
// kept to spare an allocation per message.
constexpr std::size_t RetainedBufferCapacity = 4 * 1024;

void releaseIfLarge(std::string &buffer)
{
    if (buffer.capacity() > RetainedBufferCapacity)
        std::string().swap(buffer);
    else
        buffer.clear();
}

// A message assembled from pieces first gets room for this much (or for its frame,
// if smaller): about what one socket read delivers, so that ordinary messages are
// reserved once.
constexpr std::size_t MinimumMessageReservation = 64 * 1024;

constexpr std::size_t MaxCloseReason = MaxControlPayload - 2;

class StringStorage final : public MessageStorage
{
public:
    void clear() override { releaseIfLarge(m_bytes); }
    std::size_t capacity() const override { return m_bytes.capacity(); }
    void reserve(std::size_t capacity) override { m_bytes.reserve(capacity); }
    void append(std::string_view bytes) override { m_bytes.append(bytes); }
    std::string_view bytes() const override { return m_bytes; }

private:
    std::string m_bytes;
};

} // namespace

MessageStorage::~MessageStorage() = default;

struct Protocol::Private
{
    Private(Role ownRole, ProtocolOptions initialOptions)
        : role(ownRole), options(std::move(initialOptions)), headerParser(ownRole)
    {
        control.reserve(MaxControlPayload);
    }

    Event fail(Error error);
    Event onFrameHeader();
    Event onPayload();
    Event onControlFrame();
    Event onDataFrameEnd();
    Event deliverData(std::string_view bytes, bool messageEnds);
    Error acceptInflated(std::size_t from);
    std::size_t inflateLimit() const;
    Error checkCanSend() const;
    bool compresses(bool wanted, std::size_t payloadSize) const
    {
        return deflate && wanted && payloadSize >= options.compressionThreshold;
    }
    MaskKey writeHeader(Opcode opcode, bool fin, bool rsv1, std::size_t payloadSize);
    void writeFrame(Opcode opcode, bool fin, bool rsv1, std::string_view payload);
    void writeFrames(Opcode opcode, bool fin, bool rsv1, std::string_view wire);
    Error deflatePiece(std::string_view piece, bool last, std::string_view &wire);

    Role role;
    ProtocolOptions options;
    State state = State::Connecting;
    std::optional<DeflateParameters> deflateParameters;
    std::unique_ptr<DeflateCodec> deflate;

    // Input: the caller's bytes, read but not copied.
    char *input = nullptr;
    std::size_t inputSize = 0;
    std::size_t inputPos = 0;

    // The frame being received.
    FrameHeaderParser headerParser;
    bool inFrame = false;
    FrameHeader frame;
    std::uint64_t frameRemaining = 0;
    std::size_t maskPhase = 0;
    std::string control; // a control frame's payload, at most 125 bytes

    // The data message being received.
    bool messageOpen = false;
    MessageType messageType = MessageType::Binary;
    bool messageCompressed = false;
    bool chunkDelivered = false;  // streaming: the first chunk went out
    std::uint64_t messageSize = 0; // bytes delivered or assembled so far
    StringStorage ownStorage;
    MessageStorage *storage = &ownStorage; // assembles uncompressed messages
    std::string inflated;                  // an inflated message, or chunk when streaming
    Utf8Validator utf8;

    // Output.
    std::string output;
    std::size_t outputPos = 0;
    std::string compressed; // scratch for deflated payloads
    bool sendingMessage = false;
    bool sendingFirstFragment = false;
    bool sendingCompressed = false;
    MessageType sendingType = MessageType::Binary;

    bool closeSent = false;
    bool closeReceived = false;
    bool failed = false;
};

Protocol::Protocol(Role role, ProtocolOptions options)
    : d(std::make_unique<Private>(role, std::move(options)))
{
}

Protocol::~Protocol() = default;
Protocol::Protocol(Protocol &&) noexcept = default;
Protocol &Protocol::operator=(Protocol &&) noexcept = default;

Role Protocol::role() const noexcept { return d->role; }
Protocol::State Protocol::state() const noexcept { return d->state; }
const ProtocolOptions &Protocol::options() const noexcept { return d->options; }
void Protocol::setMaxMessageSize(std::size_t bytes) noexcept { d->options.maxMessageSize = bytes; }
void Protocol::setStreamIncoming(bool stream) noexcept { d->options.streamIncoming = stream; }
void Protocol::setAutoPong(bool enabled) noexcept { d->options.autoPong = enabled; }
void Protocol::setAutoCloseReply(bool enabled) noexcept { d->options.autoCloseReply = enabled; }
void Protocol::setOutgoingFragmentSize(std::size_t bytes) noexcept { d->options.outgoingFragmentSize = bytes; }
void Protocol::setCompressionThreshold(std::size_t bytes) noexcept { d->options.compressionThreshold = bytes; }

void Protocol::setCompressionLevel(int level) noexcept
{
    d->options.deflateTuning.level = level;
    if (d->deflate)
        d->deflate->setLevel(level);
}

void Protocol::open(const std::optional<DeflateParameters> &deflate)
{
    if (d->state != State::Connecting)
        return;
    d->deflateParameters = deflate;
    if (deflate) {
        d->deflate = std::make_unique<DeflateCodec>(d->role, *deflate, d->options.deflateTuning);
        d->headerParser.setAllowedRsv(Rsv::Rsv1); // RFC 7692 §6: RSV1 marks a compressed message
    }
    d->state = State::Open;
}

void Protocol::setMessageStorage(MessageStorage *storage) noexcept
{
    d->storage = storage ? storage : &d->ownStorage;
}

bool Protocol::isCompressionNegotiated() const noexcept { return d->deflate != nullptr; }
const std::optional<DeflateParameters> &Protocol::deflateParameters() const noexcept { return d->deflateParameters; }

void Protocol::receive(char *data, std::size_t size)
{
    if (d->state == State::Closed)
        return;
    d->input = data;
    d->inputSize = size;
    d->inputPos = 0;
}

Event Protocol::nextEvent()
{
    while (d->state != State::Closed && !d->closeReceived && d->inputPos < d->inputSize) {
        Event event = d->inFrame ? d->onPayload() : d->onFrameHeader();
        if (event.type != Event::Type::None)
            return event;
    }
    // Everything handed over was used (or is ignored once closed): forget it.
    d->input = nullptr;
    d->inputSize = d->inputPos = 0;
    return {};
}

Event Protocol::Private::fail(Error error)
{
    const std::uint16_t code = errorCloseCode(error);
    if (!closeSent) {
        std::string payload;
        const std::string_view reason = errorText(error);
        appendClosePayload(code, reason.substr(0, MaxCloseReason), payload);
        writeFrame(Opcode::Close, true, false, payload);
        closeSent = true;
    }
    failed = true;
    state = State::Closed;
    inputPos = inputSize;
    Event event;
    event.type = Event::Type::Failed;
    event.error = error;
    event.closeCode = code;
    return event;
}

Event Protocol::Private::onFrameHeader()
{
    std::size_t consumed = 0;
    const auto status = headerParser.parse(input + inputPos, inputSize - inputPos, consumed);
    inputPos += consumed;
    if (status == FrameHeaderParser::Status::NeedMore)
        return {};
    if (status == FrameHeaderParser::Status::Failed)
        return fail(headerParser.error());

    frame = headerParser.header();
    headerParser.reset();
    inFrame = true;
    frameRemaining = frame.payloadLength;
    maskPhase = 0;
    const bool rsv1 = (frame.rsv & Rsv::Rsv1) != 0;

    if (isControl(frame.opcode)) {
        // RFC 7692 §6.1: control frames are never compressed.
        if (rsv1)
            return fail(Error::ReservedBitsSet);
        control.clear();
    } else if (frame.opcode == Opcode::Continuation) {
        if (!messageOpen)
            return fail(Error::UnexpectedContinuation);
        // RFC 7692 §6.1: RSV1 belongs on the first frame of a message only.
        if (rsv1)
            return fail(Error::ReservedBitsSet);
    } else {
        if (messageOpen)
            return fail(Error::ExpectedContinuation);
        messageOpen = true;
        messageType = frame.opcode == Opcode::Text ? MessageType::Text : MessageType::Binary;
        messageCompressed = rsv1;
        chunkDelivered = false;
        messageSize = 0;
        utf8.reset();
        storage->clear();
        releaseIfLarge(inflated);
    }

    // Refuse an oversized message before buffering any of it; compressed sizes
    // are checked as they inflate.
    if (!isControl(frame.opcode) && !messageCompressed && options.maxMessageSize != 0
        && frame.payloadLength > options.maxMessageSize - messageSize) {
        return fail(Error::MessageTooBig);
    }

    // An empty data frame takes the payload path like any other: an empty final
    // frame of a compressed message still restores the tail and ends the message in
    // the inflater (RFC 7692 §7.2.2), or the next message would not inflate.
    if (frameRemaining == 0 && isControl(frame.opcode))
        return onControlFrame();
    return frameRemaining == 0 ? onPayload() : Event{};
}

Event Protocol::Private::onPayload()
{
    const std::size_t available = inputSize - inputPos;
    const std::size_t size = frameRemaining < available ? static_cast<std::size_t>(frameRemaining) : available;
    char *bytes = input + inputPos;
    if (frame.masked)
        maskPhase = applyMask(bytes, size, frame.maskKey, maskPhase);
    inputPos += size;
    frameRemaining -= size;
    const bool frameEnds = frameRemaining == 0;

    if (isControl(frame.opcode)) {
        control.append(bytes, size);
        return frameEnds ? onControlFrame() : Event{};
    }

    const std::string_view chunk(bytes, size);
    const bool messageEnds = frameEnds && frame.fin;

    if (messageCompressed) {
        const std::size_t before = options.streamIncoming ? 0 : inflated.size();
        if (options.streamIncoming)
            inflated.clear();
        const Error error = deflate->decompress(chunk, messageEnds, inflateLimit(), inflated);
        if (error != Error::None)
            return fail(error);
        if (const Error rejected = acceptInflated(before); rejected != Error::None)
            return fail(rejected);
        if (options.streamIncoming && (inflated.size() > 0 || messageEnds))
            return deliverData(inflated, messageEnds);
        return frameEnds ? onDataFrameEnd() : Event{};
    }

    // Fail fast: reject invalid text at the first bad byte, mid-frame.
    if (messageType == MessageType::Text && !utf8.feed(chunk))
        return fail(Error::InvalidUtf8);
    messageSize += size;

    if (options.streamIncoming) {
        if (size > 0 || messageEnds)
            return deliverData(chunk, messageEnds);
        return frameEnds ? onDataFrameEnd() : Event{};
    }
    // A whole single-frame message already in the caller's buffer needs no copy.
    if (messageEnds && messageSize == size)
        return deliverData(chunk, true);
    // Grow with the bytes that arrived, not with the length the frame declares: a
    // peer that announces a frame at the limit and sends its first byte pins
    // MinimumMessageReservation, not maxMessageSize. Each growth makes room for as
    // much again as arrived, so a message is copied a logarithmic number of times,
    // however many reads and fragments it comes in; never past the message's end
    // once its last frame is known, nor past the limit.
    const std::size_t arrived = static_cast<std::size_t>(messageSize);
    if (arrived > storage->capacity()) {
        std::uint64_t room = std::max(2 * arrived, MinimumMessageReservation);
        if (frame.fin)
            room = std::min(room, messageSize + frameRemaining);
        if (options.maxMessageSize != 0)
            room = std::min<std::uint64_t>(room, options.maxMessageSize);
        storage->reserve(static_cast<std::size_t>(room));
    }
    storage->append(chunk);
    return frameEnds ? onDataFrameEnd() : Event{};
}

std::size_t Protocol::Private::inflateLimit() const
{
    if (options.maxMessageSize == 0)
        return 0;
    const std::size_t allowance = options.maxMessageSize - static_cast<std::size_t>(messageSize);
    // The codec reads 0 as "no limit"; with nothing left to allow, one byte of
    // output is enough to prove the message too big (acceptInflated checks).
    const std::size_t limit = allowance == 0 ? 1 : allowance;
    return options.streamIncoming ? limit : static_cast<std::size_t>(messageSize) + limit;
}

// Counts and validates the bytes the inflater appended to `inflated` after `from`.
Error Protocol::Private::acceptInflated(std::size_t from)
{
    messageSize += inflated.size() - from;
    if (options.maxMessageSize != 0 && messageSize > options.maxMessageSize)
        return Error::MessageTooBig;
    if (messageType == MessageType::Text && !utf8.feed(std::string_view(inflated).substr(from)))
        return Error::InvalidUtf8;
    return Error::None;
}

Event Protocol::Private::onDataFrameEnd()
{
    inFrame = false;
    if (!frame.fin)
        return {};
    if (options.streamIncoming)
        return deliverData({}, true);
    return deliverData(messageCompressed ? std::string_view(inflated) : storage->bytes(), true);
}

Event Protocol::Private::deliverData(std::string_view bytes, bool messageEnds)
{
    if (frameRemaining == 0)
        inFrame = false;
    // RFC 6455 §8.1: a text message must not end inside a code point.
    if (messageEnds && messageType == MessageType::Text && !utf8.isComplete())
        return fail(Error::InvalidUtf8);
    Event event;
    event.messageType = messageType;
    event.payload = bytes;
    if (options.streamIncoming) {
        event.type = Event::Type::MessageChunk;
        event.first = !chunkDelivered;
        event.last = messageEnds;
        chunkDelivered = true;
    } else {
        event.type = Event::Type::Message;
    }
    if (messageEnds)
        messageOpen = false;
    return event;
}

Event Protocol::Private::onControlFrame()
{
    inFrame = false;
    Event event;
    event.payload = control;
    switch (frame.opcode) {
    case Opcode::Ping:
        event.type = Event::Type::Ping;
        if (options.autoPong && !closeSent)
            writeFrame(Opcode::Pong, true, false, control);
        return event;
    case Opcode::Pong:
        event.type = Event::Type::Pong;
        return event;
    default:
        break;
    }

    ClosePayload close;
    const Error error = parseClosePayload(control, close);
    if (error != Error::None)
        return fail(error);
    closeReceived = true;
    // RFC 6455 §5.5.1: nothing the peer sends after its close frame counts.
    inputPos = inputSize;
    if (!closeSent && options.autoCloseReply) {
        std::string reply;
        appendClosePayload(close.code, {}, reply);
        writeFrame(Opcode::Close, true, false, reply);
        closeSent = true;
    }
    state = closeSent ? State::Closed : State::Closing;
    event.type = Event::Type::Close;
    event.payload = {};
    event.closeCode = close.code;
    event.closeReason = close.reason;
    return event;
}

// ---- Sending --------------------------------------------------------------------

Error Protocol::Private::checkCanSend() const
{
    if (closeSent || state == State::Closed)
        return Error::SendAfterClose;
    if (state == State::Connecting)
        return Error::NotOpen;
    return Error::None;
}

MaskKey Protocol::Private::writeHeader(Opcode opcode, bool fin, bool rsv1, std::size_t payloadSize)
{
    FrameHeader header;
    header.fin = fin;
    header.rsv = rsv1 ? Rsv::Rsv1 : 0;
    header.opcode = opcode;
    header.payloadLength = payloadSize;
    header.masked = role == Role::Client;
    if (header.masked)
        header.maskKey = options.maskKeySource();
    char encoded[MaxFrameHeaderSize];
    output.append(encoded, encodeFrameHeader(header, encoded));
    return header.maskKey;
}

void Protocol::Private::writeFrame(Opcode opcode, bool fin, bool rsv1, std::string_view payload)
{
    const MaskKey key = writeHeader(opcode, fin, rsv1, payload.size());
    const std::size_t payloadStart = output.size();
    output.append(payload);
    if (role == Role::Client)
        applyMask(output.data() + payloadStart, payload.size(), key);
}

// Writes a piece of a data message as frames of at most outgoingFragmentSize:
// `opcode` and RSV1 on the first, FIN on the last when `fin` is set.
void Protocol::Private::writeFrames(Opcode opcode, bool fin, bool rsv1, std::string_view wire)
{
    const std::size_t fragment = options.outgoingFragmentSize;
    if (fragment == 0 || wire.size() <= fragment) {
        writeFrame(opcode, fin, rsv1, wire);
        return;
    }
    for (std::size_t offset = 0; offset < wire.size(); offset += fragment) {
        const bool first = offset == 0;
        const bool last = wire.size() - offset <= fragment;
        writeFrame(first ? opcode : Opcode::Continuation, fin && last, rsv1 && first, wire.substr(offset, fragment));
    }
}

// Deflates one piece of an outgoing message; wire then views the result.
Error Protocol::Private::deflatePiece(std::string_view piece, bool last, std::string_view &wire)
{
    compressed.clear();
    const Error error = deflate->compress(piece, last, compressed);
    wire = compressed;
    return error;
}

Error Protocol::sendMessage(MessageType type, std::string_view payload, bool compress)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (d->sendingMessage)
        return Error::MessageAlreadyOpen;
    const Opcode opcode = type == MessageType::Text ? Opcode::Text : Opcode::Binary;
    const bool deflated = d->compresses(compress, payload.size());
    std::string_view wire = payload;
    if (deflated) {
        if (const Error error = d->deflatePiece(payload, true, wire); error != Error::None)
            return error;
    }

    d->writeFrames(opcode, true, deflated, wire);
    return Error::None;
}

bool Protocol::sendMessageHeader(MessageType type, std::size_t payloadSize, bool compress)
{
    if (d->checkCanSend() != Error::None || d->sendingMessage || d->role != Role::Server)
        return false;
    if (d->compresses(compress, payloadSize))
        return false;
    if (d->options.outgoingFragmentSize != 0 && payloadSize > d->options.outgoingFragmentSize)
        return false;
    d->writeHeader(type == MessageType::Text ? Opcode::Text : Opcode::Binary, true, false, payloadSize);
    return true;
}

Error Protocol::beginMessage(MessageType type, bool compress)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (d->sendingMessage)
        return Error::MessageAlreadyOpen;
    d->sendingMessage = true;
    d->sendingFirstFragment = true;
    d->sendingCompressed = d->deflate && compress;
    d->sendingType = type;
    return Error::None;
}

Error Protocol::sendFragment(std::string_view piece, bool last)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (!d->sendingMessage)
        return Error::NoMessageOpen;
    const Opcode opcode = !d->sendingFirstFragment ? Opcode::Continuation
                          : d->sendingType == MessageType::Text ? Opcode::Text
                                                                : Opcode::Binary;
    std::string_view wire = piece;
    if (d->sendingCompressed) {
        if (const Error error = d->deflatePiece(piece, last, wire); error != Error::None)
            return error;
    }
    d->writeFrames(opcode, last, d->sendingCompressed && d->sendingFirstFragment, wire);
    d->sendingFirstFragment = false;
    d->sendingMessage = !last;
    return Error::None;
}

bool Protocol::isMessageOpen() const noexcept { return d->sendingMessage; }

Error Protocol::ping(std::string_view payload)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (payload.size() > MaxControlPayload)
        return Error::ControlPayloadTooLong;
    d->writeFrame(Opcode::Ping, true, false, payload);
    return Error::None;
}

Error Protocol::pong(std::string_view payload)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (payload.size() > MaxControlPayload)
        return Error::ControlPayloadTooLong;
    d->writeFrame(Opcode::Pong, true, false, payload);
    return Error::None;
}

Error Protocol::close(std::uint16_t code, std::string_view reason)
{
    if (const Error error = d->checkCanSend(); error != Error::None)
        return error;
    if (code != CloseCode::NoStatusReceived && !isValidCloseCode(code))
        return Error::InvalidCloseCodeToSend;
    if (code == CloseCode::NoStatusReceived && !reason.empty())
        return Error::InvalidCloseCodeToSend; // a reason needs a code to go with it
    if (reason.size() > MaxCloseReason)
        return Error::ControlPayloadTooLong;
    if (!isValidUtf8(reason))
        return Error::InvalidUtf8;
    std::string payload;
    appendClosePayload(code, reason, payload);
    d->writeFrame(Opcode::Close, true, false, payload);
    d->closeSent = true;
    d->state = d->closeReceived ? State::Closed : State::Closing;
    return Error::None;
}

std::string_view Protocol::pendingOutput() const noexcept
{
    return std::string_view(d->output).substr(d->outputPos);
}

void Protocol::consumeOutput(std::size_t bytes) noexcept
{
    d->outputPos += std::min(bytes, d->output.size() - d->outputPos);
    if (d->outputPos == d->output.size()) {
        releaseIfLarge(d->output);
        d->outputPos = 0;
    } else if (d->outputPos > RetainedBufferCapacity && d->outputPos > d->output.size() / 2) {
        d->output.erase(0, d->outputPos);
        d->outputPos = 0;
    }
}

bool Protocol::shouldCloseTransport() const noexcept
{
    return d->state == State::Closed && (d->role == Role::Server || d->failed);
}

bool Protocol::closeSent() const noexcept { return d->closeSent; }
bool Protocol::closeReceived() const noexcept { return d->closeReceived; }

} // namespace WsKit::Core
