#include "maskkeys_p.h"

#include <QtCore/QRandomGenerator>

#include <array>
#include <cstring>

namespace WsKit {

namespace {

// Keys are drawn in batches: one call into the system's source (a system call
// on Linux) serves many frames. A batch holds unused keys only, never old ones.
class MaskKeyPool
{
public:
    Core::MaskKey next()
    {
        if (m_next == m_words.size()) {
            QRandomGenerator::system()->fillRange(m_words.data(), static_cast<qsizetype>(m_words.size()));
            m_next = 0;
        }
        Core::MaskKey key;
        std::memcpy(key.data(), &m_words[m_next], key.size());
        m_words[m_next++] = 0;
        return key;
    }

private:
    std::array<quint32, 64> m_words{};
    std::size_t m_next = m_words.size();
};

} // namespace

Core::MaskKey nextMaskKey()
{
    static thread_local MaskKeyPool pool;
    return pool.next();
}

} // namespace WsKit
