// Uses the installed core: computes the RFC 6455 §1.3 example accept key.
#include <WsKit/Core/handshake.h>

#include <cstdio>

int main()
{
    const auto accept = WsKit::Core::computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==");
    std::puts(accept.c_str());
    return accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" ? 0 : 1;
}
