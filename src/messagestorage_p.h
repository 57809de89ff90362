#pragma once
// Incoming messages as QByteArrays without extra copies or page faults: the core
// assembles large messages straight into a QByteArray that slots then share, and
// buffers come from a small per-thread pool that reuses them once nobody holds
// them any more. A busy connection so stops faulting in fresh pages for every
// large message, and an idle one keeps no buffer of its own.

#include <WsKit/Core/protocol.h>

#include <QtCore/QByteArray>

#include <string_view>

namespace WsKit {

class MessageStorage final : public Core::MessageStorage
{
public:
    // Payloads from this size on come from the pool; smaller ones are copied.
    static constexpr qsizetype PooledMinimum = 64 * 1024;

    void clear() override;
    std::size_t capacity() const override { return static_cast<std::size_t>(m_bytes.capacity()); }
    void reserve(std::size_t capacity) override;
    void append(std::string_view bytes) override;
    std::string_view bytes() const override
    {
        return {m_bytes.constData(), static_cast<std::size_t>(m_bytes.size())};
    }

    // The payload of a message event as a QByteArray: shared when the core
    // assembled it here, otherwise copied: into a pooled buffer when large, and
    // when small into a buffer of this thread that is reused as soon as no
    // receiver kept the previous message, so a steady stream of small messages
    // allocates nothing.
    QByteArray message(std::string_view payload) const;
    // Hands a message buffer back for reuse once its receivers let go of it.
    static void recycle(QByteArray &&buffer);

private:
    QByteArray m_bytes;
};

} // namespace WsKit
