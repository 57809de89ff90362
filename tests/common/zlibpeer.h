#pragma once
// The other end of a permessage-deflate connection, written on zlib directly as
// Autobahn's, Python's and Node's peers are, so our codec is checked by one we
// did not write: raw DEFLATE, every message ended with a sync flush whose empty
// block is removed (RFC 7692 §7.2.1) and put back before inflating (§7.2.2).

#define ZLIB_CONST
#include <zlib.h>

#include <QtCore/QByteArray>

#include <optional>

namespace ZlibPeer {

inline const QByteArray MessageTail = QByteArray::fromHex("0000ffff");

class Deflater
{
public:
    Deflater(int windowBits, bool noContextTakeover, int level = 6)
        : m_noContextTakeover(noContextTakeover)
    {
        // zlib's raw deflate has no 8-bit window; with 8 agreed, Huffman coding
        // alone (no distances) fits any window.
        const bool huffmanOnly = windowBits == 8;
        m_ok = deflateInit2(&m_stream, level, Z_DEFLATED, huffmanOnly ? -9 : -windowBits, 8,
                            huffmanOnly ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY)
            == Z_OK;
    }
    ~Deflater() { deflateEnd(&m_stream); }
    Deflater(const Deflater &) = delete;
    Deflater &operator=(const Deflater &) = delete;
    bool isValid() const { return m_ok; }

    // The compressed payload of one whole message; empty when zlib failed (a
    // message always compresses to at least one byte).
    QByteArray compress(const QByteArray &message)
    {
        QByteArray out(qsizetype(deflateBound(&m_stream, uLong(message.size()))) + 64, Qt::Uninitialized);
        m_stream.next_in = reinterpret_cast<const Bytef *>(message.constData());
        m_stream.avail_in = uInt(message.size());
        m_stream.next_out = reinterpret_cast<Bytef *>(out.data());
        m_stream.avail_out = uInt(out.size());
        const int result = deflate(&m_stream, Z_SYNC_FLUSH);
        // A flush right after another one has nothing to do (an empty message).
        if ((result != Z_OK && result != Z_BUF_ERROR) || m_stream.avail_in != 0)
            return {};
        out.truncate(out.size() - qsizetype(m_stream.avail_out));
        if (out.endsWith(MessageTail))
            out.chop(MessageTail.size());
        else if (!out.isEmpty())
            return {};
        // Already flushed: the header of an empty stored block, which the
        // receiver's restored tail completes.
        if (out.isEmpty())
            out.append('\0');
        if (m_noContextTakeover)
            deflateReset(&m_stream);
        return out;
    }

private:
    z_stream m_stream{};
    bool m_ok = false;
    bool m_noContextTakeover;
};

class Inflater
{
public:
    Inflater(int windowBits, bool noContextTakeover)
        : m_noContextTakeover(noContextTakeover)
    {
        m_ok = inflateInit2(&m_stream, -windowBits) == Z_OK;
    }
    ~Inflater() { inflateEnd(&m_stream); }
    Inflater(const Inflater &) = delete;
    Inflater &operator=(const Inflater &) = delete;
    bool isValid() const { return m_ok; }

    // One whole message's compressed payload inflated; nothing when it is not
    // valid DEFLATE data for the agreed window.
    std::optional<QByteArray> decompress(const QByteArray &compressed)
    {
        const QByteArray input = compressed + MessageTail;
        m_stream.next_in = reinterpret_cast<const Bytef *>(input.constData());
        m_stream.avail_in = uInt(input.size());
        QByteArray out;
        char buffer[16384];
        while (m_stream.avail_in > 0) {
            m_stream.next_out = reinterpret_cast<Bytef *>(buffer);
            m_stream.avail_out = sizeof buffer;
            const int result = inflate(&m_stream, Z_SYNC_FLUSH);
            out.append(buffer, qsizetype(sizeof buffer - m_stream.avail_out));
            if (result == Z_BUF_ERROR && m_stream.avail_out != 0)
                break;
            if (result != Z_OK && result != Z_BUF_ERROR)
                return std::nullopt;
        }
        if (m_stream.avail_in != 0)
            return std::nullopt;
        if (m_noContextTakeover)
            inflateReset(&m_stream);
        return out;
    }

private:
    z_stream m_stream{};
    bool m_ok = false;
    bool m_noContextTakeover;
};

} // namespace ZlibPeer
