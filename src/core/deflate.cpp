#include <WsKit/Core/deflate.h>

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>

namespace WsKit::Core {

namespace {

// The empty non-final stored block a sync flush ends with; RFC 7692 §7.2.1 removes it
// from the end of every compressed message and §7.2.2 puts it back before inflating.
constexpr std::string_view MessageTail("\x00\x00\xff\xff", 4);

// Inflation writes at most this much per step, so the size limit is checked before
// more memory is committed (RFC 7692 §8.1 leaves bounding the inflated size to us).
constexpr std::size_t InflateStep = 32 * 1024;

// zlib counts input in uInt; larger inputs are fed in pieces of this size.
constexpr std::size_t MaxZlibPiece = std::size_t(1) << 30;

constexpr std::uint8_t clampWindowBits(std::uint8_t bits)
{
    return std::clamp<std::uint8_t>(bits, 8, 15);
}

const Bytef *bytes(const char *data) { return reinterpret_cast<const Bytef *>(data); }
Bytef *bytes(char *data) { return reinterpret_cast<Bytef *>(data); }

} // namespace

class DeflateCodec::Deflater
{
public:
    z_stream stream{};
    int level = 0;
    int strategy = Z_DEFAULT_STRATEGY;

    // A raw deflater (RFC 7692 §7.2.1) whose distances fit the given window.
    static std::unique_ptr<Deflater> create(const DeflateTuning &tuning, std::uint8_t windowBits)
    {
        // zlib cannot deflate with an 8-bit window: raw streams refuse it, and older
        // versions silently used 9 bits, whose matches may reach further back than
        // the 256 bytes the peer keeps. With 8 agreed we code with Huffman codes only:
        // no LZ77 matches means no distances at all, which any window decodes. RFC
        // 7692 §7.1.2 lets a peer ask for 8 bits, so negotiation accepts it and we pay
        // with a lower ratio (about 0.6 on text) rather than declining compression.
        const bool huffmanOnly = windowBits == 8;
        auto deflater = std::make_unique<Deflater>();
        deflater->level = tuning.level;
        deflater->strategy = huffmanOnly ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY;
        if (deflateInit2(&deflater->stream, tuning.level, Z_DEFLATED, huffmanOnly ? -9 : -int(windowBits),
                         tuning.memLevel, deflater->strategy)
            != Z_OK)
            return nullptr;
        deflater->m_initialized = true;
        return deflater;
    }

    // Switches to newLevel between two messages. The previous message ended with a
    // sync flush, so zlib holds no pending input and has nothing to emit for the
    // switch; whatever it might emit is appended to out all the same, where it
    // precedes the next message's data in the same stream.
    bool changeLevel(int newLevel, std::string &out)
    {
        constexpr std::size_t Room = 64;
        const std::size_t before = out.size();
        out.resize(before + Room);
        stream.avail_in = 0;
        stream.next_out = bytes(out.data() + before);
        stream.avail_out = uInt(Room);
        const int result = deflateParams(&stream, newLevel, strategy);
        out.resize(before + Room - stream.avail_out);
        if (result != Z_OK)
            return false;
        level = newLevel;
        return true;
    }

    ~Deflater()
    {
        if (m_initialized)
            deflateEnd(&stream);
    }

private:
    bool m_initialized = false;
};

class DeflateCodec::Inflater
{
public:
    z_stream stream{};
    // Whether the input so far ends on a block boundary: a message (with its tail
    // restored) must, or the peer sent a truncated or overlong block.
    bool atBlockBoundary = true;

    static std::unique_ptr<Inflater> create(std::uint8_t windowBits)
    {
        auto inflater = std::make_unique<Inflater>();
        if (inflateInit2(&inflater->stream, -int(windowBits)) != Z_OK)
            return nullptr;
        inflater->m_initialized = true;
        return inflater;
    }

    ~Inflater()
    {
        if (m_initialized)
            inflateEnd(&stream);
    }

    // A block with BFINAL set ends a DEFLATE stream, and zlib stops there. RFC 7692
    // §7.2.3.4 lets a sender flush that way and continue with more blocks, so the
    // rest of the input starts a new stream that still sees the same sliding window.
    // inflateResetKeep() is that restart in constant time: it resets the decoder and
    // leaves the window where it is (inflateReset() is the same plus forgetting the
    // window). zlib exports it, declared among zlib.h's undocumented functions; the
    // documented way, inflateGetDictionary() + inflateReset() +
    // inflateSetDictionary(), copies the window twice, and a peer can end a stream
    // every two bytes (03 00 is an empty final block): 64 KiB of copying per 2 bytes
    // of input, seconds of CPU per MB that inflate to nothing.
    bool restartKeepingWindow() { return inflateResetKeep(&stream) == Z_OK; }

    Error inflateInto(std::string_view input, std::size_t maxOutputSize, std::string &out)
    {
        while (!input.empty()) {
            const std::size_t piece = std::min(input.size(), MaxZlibPiece);
            stream.next_in = bytes(input.data());
            stream.avail_in = uInt(piece);
            input.remove_prefix(piece);
            if (const Error error = inflatePiece(maxOutputSize, out); error != Error::None)
                return error;
        }
        return Error::None;
    }

private:
    Error inflatePiece(std::size_t maxOutputSize, std::string &out)
    {
        // Start near the likely output size (small frames stay cheap) and grow up to
        // a bounded step while the output keeps coming. The output string is resized
        // (and so zero-filled) only when inflation filled the room it was given, or
        // once per call: the work stays proportional to the input and the output.
        std::size_t step = std::clamp<std::size_t>(std::size_t(stream.avail_in) * 4, 256, InflateStep);
        for (;;) {
            std::size_t room = step;
            step = std::min(step * 2, InflateStep);
            if (maxOutputSize != 0) {
                if (out.size() > maxOutputSize)
                    return Error::MessageTooBig;
                // One byte past the limit is enough to know the limit is exceeded.
                room = std::min(room, maxOutputSize - out.size() + 1);
            }
            const std::size_t before = out.size();
            out.resize(before + room);
            stream.next_out = bytes(out.data() + before);
            stream.avail_out = uInt(room);
            const Error error = inflateIntoRoom();
            out.resize(before + room - stream.avail_out);
            if (maxOutputSize != 0 && out.size() > maxOutputSize)
                return Error::MessageTooBig;
            if (error != Error::None || stream.avail_out != 0)
                return error;
        }
    }

    // Inflates into the output room until it is full or no input is left, starting
    // a new stream after each final block.
    Error inflateIntoRoom()
    {
        for (;;) {
            switch (inflate(&stream, Z_NO_FLUSH)) {
            case Z_OK:
                atBlockBoundary = (stream.data_type & 128) != 0;
                return Error::None;
            case Z_STREAM_END:
                if (!restartKeepingWindow())
                    return Error::CompressionFailed;
                atBlockBoundary = true;
                if (stream.avail_in == 0 || stream.avail_out == 0)
                    return Error::None;
                break;
            case Z_BUF_ERROR: // no progress possible: all input is consumed
                return Error::None;
            case Z_MEM_ERROR:
                return Error::CompressionFailed;
            default: // Z_DATA_ERROR: not DEFLATE data, or a distance beyond the window
                return Error::InvalidCompressedData;
            }
        }
    }

    bool m_initialized = false;
};

DeflateCodec::DeflateCodec(Role role, const DeflateParameters &parameters, const DeflateTuning &tuning)
    : m_tuning(tuning)
{
    // RFC 7692 §7.1: server_* parameters describe what the server compresses, client_*
    // what the client compresses; each side inflates with the other's.
    const bool server = role == Role::Server;
    m_deflateWindowBits =
        clampWindowBits(server ? parameters.serverMaxWindowBits : parameters.clientMaxWindowBits);
    m_inflateWindowBits =
        clampWindowBits(server ? parameters.clientMaxWindowBits : parameters.serverMaxWindowBits);
    m_deflateNoContextTakeover = server ? parameters.serverNoContextTakeover : parameters.clientNoContextTakeover;
    m_inflateNoContextTakeover = server ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover;
}

DeflateCodec::~DeflateCodec() = default;

void DeflateCodec::setLevel(int level) noexcept
{
    // A deflater that exists switches when its next message begins; one created
    // later starts with the new level.
    m_tuning.level = std::clamp(level, 0, 9);
}

Error DeflateCodec::compress(std::string_view data, bool last, std::string &out)
{
    if (!m_deflater) {
        m_deflater = Deflater::create(m_tuning, m_deflateWindowBits);
        if (!m_deflater)
            return Error::CompressionFailed;
    }
    z_stream &stream = m_deflater->stream;
    const std::size_t start = out.size();
    if (!m_compressing && m_deflater->level != m_tuning.level && !m_deflater->changeLevel(m_tuning.level, out)) {
        m_deflater.reset();
        out.resize(start);
        return Error::CompressionFailed;
    }
    m_compressing = !last;

    // Every piece ends with a sync flush, so each frame's payload inflates on its own
    // as soon as it arrives (streamed messages are not held back in the deflater).
    std::string_view pending = data;
    for (;;) {
        if (stream.avail_in == 0 && !pending.empty()) {
            const std::size_t piece = std::min(pending.size(), MaxZlibPiece);
            stream.next_in = bytes(pending.data());
            stream.avail_in = uInt(piece);
            pending.remove_prefix(piece);
        }
        const bool allInput = pending.empty();
        // Room for the piece plus block headers and the flush marker; a call that runs
        // out of room is simply repeated.
        const std::size_t room = deflateBound(&stream, stream.avail_in) + 16;
        const std::size_t before = out.size();
        out.resize(before + room);
        stream.next_out = bytes(out.data() + before);
        stream.avail_out = uInt(room);
        const int result = deflate(&stream, allInput ? Z_SYNC_FLUSH : Z_NO_FLUSH);
        out.resize(before + room - stream.avail_out);
        // Z_BUF_ERROR only says there was nothing to do (a repeated flush).
        if (result != Z_OK && result != Z_BUF_ERROR) {
            m_deflater.reset();
            out.resize(start);
            return Error::CompressionFailed;
        }
        if (allInput && stream.avail_in == 0 && stream.avail_out != 0)
            break;
    }

    if (last) {
        const std::string_view produced = std::string_view(out).substr(start);
        if (produced.empty()) {
            // The deflater was already flushed (an empty message, or an empty last
            // piece): the header byte of an empty stored block, which the peer's
            // restored tail completes (RFC 7692 §7.2.3.6).
            out.push_back('\0');
        } else if (produced.size() >= MessageTail.size()
                   && produced.substr(produced.size() - MessageTail.size()) == MessageTail) {
            out.resize(out.size() - MessageTail.size());
        } else {
            m_deflater.reset();
            out.resize(start);
            return Error::CompressionFailed;
        }
        // Without context takeover nothing carries over to the next message, so the
        // deflater's memory (hundreds of KiB at the defaults) is released until then.
        if (m_deflateNoContextTakeover)
            m_deflater.reset();
    }
    return Error::None;
}

Error DeflateCodec::decompress(std::string_view data, bool last, std::size_t maxOutputSize, std::string &out)
{
    if (!m_inflater) {
        m_inflater = Inflater::create(m_inflateWindowBits);
        if (!m_inflater)
            return Error::CompressionFailed;
    }
    Error error = m_inflater->inflateInto(data, maxOutputSize, out);
    if (error == Error::None && last) {
        error = m_inflater->inflateInto(MessageTail, maxOutputSize, out);
        if (error == Error::None && !m_inflater->atBlockBoundary)
            error = Error::InvalidCompressedData;
    }
    // A failed inflater is in an unknown state; a finished one without context
    // takeover holds nothing the next message needs.
    if (error != Error::None || (last && m_inflateNoContextTakeover))
        m_inflater.reset();
    return error;
}

} // namespace WsKit::Core
