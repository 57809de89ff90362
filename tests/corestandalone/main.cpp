// Proves WsKit::Core needs no Qt: built with Qt unfindable, it runs a client and a
// server Protocol against each other and exits 0 only if the message got through.
#if __has_include(<QtCore/qglobal.h>) || __has_include(<qglobal.h>)
#error "a Qt include directory is on the core's include path"
#endif

#include <WsKit/Core/protocol.h>

#include <cstdio>
#include <string>

int main()
{
    using namespace WsKit::Core;
    ProtocolOptions clientOptions;
    clientOptions.maskKeySource = [] { return MaskKey{{9, 8, 7, 6}}; };
    Protocol client(Role::Client, clientOptions);
    Protocol server(Role::Server);
    client.open();
    server.open();
    if (client.sendMessage(MessageType::Text, "no Qt here") != Error::None)
        return 1;
    std::string wire(client.pendingOutput());
    client.consumeOutput(wire.size());
    server.receive(wire.data(), wire.size());
    const Event event = server.nextEvent();
    const bool ok = event.type == Event::Type::Message && event.payload == "no Qt here";
    std::puts(ok ? "core works without Qt" : "core failed without Qt");
    return ok ? 0 : 1;
}
