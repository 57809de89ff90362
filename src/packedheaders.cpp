#include "packedheaders_p.h"

#include <cstring>

namespace WsKit {

namespace {

void appendSized(QByteArray &packed, const QByteArray &bytes)
{
    const auto size = static_cast<quint32>(bytes.size());
    packed.append(reinterpret_cast<const char *>(&size), sizeof size);
    packed.append(bytes);
}

QByteArray takeSized(const QByteArray &packed, qsizetype &position)
{
    quint32 size = 0;
    std::memcpy(&size, packed.constData() + position, sizeof size);
    position += static_cast<qsizetype>(sizeof size);
    const QByteArray bytes = packed.mid(position, static_cast<qsizetype>(size));
    position += static_cast<qsizetype>(size);
    return bytes;
}

} // namespace

PackedHeaders::PackedHeaders(const HttpHeaderList &fields)
{
    qsizetype size = 0;
    for (const auto &[name, value] : fields)
        size += name.size() + value.size() + 2 * static_cast<qsizetype>(sizeof(quint32));
    m_bytes.reserve(size);
    for (const auto &[name, value] : fields) {
        appendSized(m_bytes, name);
        appendSized(m_bytes, value);
    }
}

HttpHeaderList PackedHeaders::toList() const
{
    HttpHeaderList fields;
    qsizetype position = 0;
    while (position < m_bytes.size()) {
        QByteArray name = takeSized(m_bytes, position);
        fields.append({std::move(name), takeSized(m_bytes, position)});
    }
    return fields;
}

} // namespace WsKit
