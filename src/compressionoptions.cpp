#include "compressionoptions_p.h"

namespace WsKit {

struct CompressionOptions::Private {
    bool enabled = true;
    int windowBits = DefaultWindowBits;
    bool noContextTakeover = false;
    int peerWindowBits = DefaultPeerWindowBits;
    bool peerNoContextTakeover = false;
    int level = DefaultLevel;
    int memLevel = DefaultMemLevel;
    qint64 threshold = DefaultThreshold;
};

CompressionOptions::CompressionOptions()
    : d(std::make_unique<Private>())
{
}

CompressionOptions::CompressionOptions(const CompressionOptions &other)
    : d(std::make_unique<Private>(*other.d))
{
}

CompressionOptions::CompressionOptions(CompressionOptions &&other) noexcept
    : d(std::make_unique<Private>(*other.d))
{
}

CompressionOptions &CompressionOptions::operator=(const CompressionOptions &other)
{
    *d = *other.d;
    return *this;
}

CompressionOptions &CompressionOptions::operator=(CompressionOptions &&other) noexcept
{
    *d = *other.d;
    return *this;
}

CompressionOptions::~CompressionOptions() = default;

bool CompressionOptions::isEnabled() const
{
    return d->enabled;
}

void CompressionOptions::setEnabled(bool enabled) &
{
    d->enabled = enabled;
}

int CompressionOptions::windowBits() const
{
    return d->windowBits;
}

void CompressionOptions::setWindowBits(int bits) &
{
    d->windowBits = qBound(8, bits, 15);
}

bool CompressionOptions::noContextTakeover() const
{
    return d->noContextTakeover;
}

void CompressionOptions::setNoContextTakeover(bool enabled) &
{
    d->noContextTakeover = enabled;
}

int CompressionOptions::peerWindowBits() const
{
    return d->peerWindowBits;
}

void CompressionOptions::setPeerWindowBits(int bits) &
{
    d->peerWindowBits = qBound(8, bits, 15);
}

bool CompressionOptions::peerNoContextTakeover() const
{
    return d->peerNoContextTakeover;
}

void CompressionOptions::setPeerNoContextTakeover(bool enabled) &
{
    d->peerNoContextTakeover = enabled;
}

int CompressionOptions::level() const
{
    return d->level;
}

void CompressionOptions::setLevel(int level) &
{
    d->level = qBound(0, level, 9);
}

int CompressionOptions::memLevel() const
{
    return d->memLevel;
}

void CompressionOptions::setMemLevel(int memLevel) &
{
    d->memLevel = qBound(1, memLevel, 9);
}

qint64 CompressionOptions::threshold() const
{
    return d->threshold;
}

void CompressionOptions::setThreshold(qint64 bytes) &
{
    d->threshold = qMax<qint64>(0, bytes);
}

// ---- the core's terms -------------------------------------------------------

Core::DeflateConfig deflateConfig(const CompressionOptions &options, Core::Role role)
{
    const auto ours = std::uint8_t(options.windowBits());
    const auto peers = std::uint8_t(options.peerWindowBits());
    Core::DeflateConfig config;
    config.enabled = options.isEnabled();
    if (role == Core::Role::Server) {
        config.serverMaxWindowBits = ours;
        config.serverNoContextTakeover = options.noContextTakeover();
        config.clientMaxWindowBits = peers;
        config.clientNoContextTakeover = options.peerNoContextTakeover();
    } else {
        config.clientMaxWindowBits = ours;
        config.clientNoContextTakeover = options.noContextTakeover();
        config.serverMaxWindowBits = peers;
        config.serverNoContextTakeover = options.peerNoContextTakeover();
    }
    return config;
}

Core::DeflateTuning deflateTuning(const CompressionOptions &options)
{
    Core::DeflateTuning tuning;
    tuning.level = options.level();
    tuning.memLevel = options.memLevel();
    return tuning;
}

CompressionOptions agreedCompression(const Core::DeflateParameters &agreed, Core::Role role,
                                     const Core::DeflateTuning &tuning, std::size_t threshold)
{
    const bool server = role == Core::Role::Server;
    CompressionOptions result;
    result.setLevel(tuning.level);
    result.setMemLevel(tuning.memLevel);
    result.setThreshold(qint64(threshold));
    result.setWindowBits(server ? agreed.serverMaxWindowBits : agreed.clientMaxWindowBits);
    result.setNoContextTakeover(server ? agreed.serverNoContextTakeover : agreed.clientNoContextTakeover);
    result.setPeerWindowBits(server ? agreed.clientMaxWindowBits : agreed.serverMaxWindowBits);
    result.setPeerNoContextTakeover(server ? agreed.clientNoContextTakeover : agreed.serverNoContextTakeover);
    return result;
}

} // namespace WsKit
