#pragma once
/// @file
/// permessage-deflate (RFC 7692) settings of a connection, part of ConnectionOptions:
/// whether to negotiate compression, what to offer (client) or accept (server), and
/// local choices that trade memory and CPU for compression ratio.
///
/// The settings speak of "our" side and "the peer's", so one value means the same
/// to an Upgrader and a Dialer: windowBits and noContextTakeover bound what we keep
/// to compress, peerWindowBits and peerNoContextTakeover what we keep to inflate.
/// On the wire (RFC 7692 §7.1) they become:
///
/// | setting               | server (Upgrader) answers  | client (Dialer) offers     |
/// |-----------------------|----------------------------|----------------------------|
/// | windowBits            | server_max_window_bits     | client_max_window_bits     |
/// | noContextTakeover     | server_no_context_takeover | client_no_context_takeover |
/// | peerWindowBits        | client_max_window_bits     | server_max_window_bits     |
/// | peerNoContextTakeover | client_no_context_takeover | server_no_context_takeover |
///
/// Memory per connection (heap, 64-bit glibc, zlib 1.2): the deflater takes about
/// 2^(windowBits+2) + 2^(memLevel+9) + 6 KiB, the inflater about 2^peerWindowBits
/// + 7 KiB. Both are allocated on the first message in their direction, stay while
/// context is taken over, and are freed after every message in a direction without
/// context takeover, so an idle connection then holds neither. docs/compression.md
/// has the measured table.

#include <WsKit/wskit_export.h>

#include <QtCore/QtGlobal>

#include <memory>

namespace WsKit {

/// The permessage-deflate settings of a connection (a value type; see the file's
/// description for how they map to RFC 7692's parameters).
///
/// Setters take a variable only: one called on a copy a getter returned, such as
/// options.compression().setLevel(9), would change nothing, so it does not compile.
class WSKIT_EXPORT CompressionOptions
{
public:
    /// Defaults chosen by measurement (docs/compression.md): level 1 takes half to
    /// two thirds of the CPU of zlib's default 6 for 12-36 % more bytes; memLevel 5
    /// compresses as well as 8 with an eighth of its hash memory; a 4 KiB window
    /// costs 3-5 % in ratio against 32 KiB and saves 112 KiB of deflater per
    /// connection. The peer's window is left to the peer: limiting it makes a server
    /// decline clients that do not offer client_max_window_bits (Firefox).
    static constexpr int DefaultLevel = 1;
    /// The default memLevel(): as good as 8 with an eighth of the hash memory.
    static constexpr int DefaultMemLevel = 5;
    /// The default windowBits(): 4 KiB.
    static constexpr int DefaultWindowBits = 12;
    /// The default peerWindowBits(): whatever the peer chooses.
    static constexpr int DefaultPeerWindowBits = 15;
    /// Smaller messages go out uncompressed: below it compressing saves fewer bytes
    /// than the TCP/IP headers of the message's packet, doubles the CPU spent on the
    /// message, and saves nothing at all without context takeover.
    static constexpr qint64 DefaultThreshold = 128;

    /// The defaults: enabled, with the Default* values above.
    CompressionOptions();
    /// A copy of other.
    CompressionOptions(const CompressionOptions &other);
    /// Takes over other's settings.
    CompressionOptions(CompressionOptions &&other) noexcept;
    /// Copies other's settings.
    CompressionOptions &operator=(const CompressionOptions &other);
    /// Takes over other's settings.
    CompressionOptions &operator=(CompressionOptions &&other) noexcept;
    /// Destroys the settings.
    ~CompressionOptions();

    /// Whether to negotiate permessage-deflate at all (default true). Off: a client
    /// offers nothing and a server declines every offer.
    bool isEnabled() const;
    /// Sets isEnabled().
    void setEnabled(bool enabled) &;

    /// log2 of the LZ77 window we compress with, 8-15 (values outside are clamped).
    /// The peer may ask for a smaller one. With 8, messages are coded without
    /// back-references (zlib cannot deflate within 256 bytes), at a lower ratio.
    int windowBits() const;
    /// Sets windowBits().
    void setWindowBits(int bits) &;

    /// Compress every message on its own: our deflater is freed after each message,
    /// at a lower ratio for small, similar messages.
    bool noContextTakeover() const;
    /// Sets noContextTakeover().
    void setNoContextTakeover(bool enabled) &;

    /// The largest window we accept from the peer, 8-15 (default 15: any). A client
    /// below 15 asks the server to keep to it, and a server that does not support the
    /// parameter declines compression. A server below 15 declines clients whose offer
    /// does not let it limit them (no client_max_window_bits).
    int peerWindowBits() const;
    /// Sets peerWindowBits().
    void setPeerWindowBits(int bits) &;

    /// Require (server) or ask (client) that the peer compress every message on its
    /// own, so our inflater is freed between messages.
    bool peerNoContextTakeover() const;
    /// Sets peerNoContextTakeover().
    void setPeerNoContextTakeover(bool enabled) &;

    /// zlib compression level, 0-9 (clamped): 1 is fastest, 9 smallest.
    int level() const;
    /// Sets level().
    void setLevel(int level) &;

    /// zlib memLevel, 1-9 (clamped): the size of the deflater's hash table and block
    /// buffer. Below 4 the ratio and the speed drop; above 5 they barely improve.
    int memLevel() const;
    /// Sets memLevel().
    void setMemLevel(int memLevel) &;

    /// Messages shorter than this many bytes are sent uncompressed (0: compress all).
    /// Messages written in pieces (Connection::beginMessage) are always compressed.
    qint64 threshold() const;
    /// Sets threshold().
    void setThreshold(qint64 bytes) &;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
