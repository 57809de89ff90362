#pragma once
// Header fields packed into one buffer. A Connection keeps the fields of its
// opening handshake for as long as it lives; as a list of pairs they cost two
// allocations per field, a kilobyte or more per idle connection.

#include <WsKit/httpheaders.h>

namespace WsKit {

class PackedHeaders
{
public:
    PackedHeaders() = default;
    // Implicit: a Handshake is filled in with lists.
    PackedHeaders(const HttpHeaderList &fields);

    HttpHeaderList toList() const;

private:
    // Per field: the name's size, the name, the value's size, the value (sizes as
    // native quint32).
    QByteArray m_bytes;
};

} // namespace WsKit
