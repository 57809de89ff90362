#include "epollechoserver.h"

#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/protocol.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

using namespace WsKit::Core;

namespace {

struct Peer {
    HttpHeadParser head{HttpHeadParser::Kind::Request};
    Protocol protocol{Role::Server};
};

// Writes everything, waiting for the socket when its buffer is full (a baseline
// needs no write queue).
bool writeAll(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(written));
        } else if (written < 0 && errno == EAGAIN) {
            pollfd waiting{fd, POLLOUT, 0};
            ::poll(&waiting, 1, -1);
        } else {
            return false;
        }
    }
    return true;
}

bool flush(int fd, Protocol &protocol)
{
    const std::string_view output = protocol.pendingOutput();
    const bool written = writeAll(fd, output);
    protocol.consumeOutput(output.size());
    return written;
}

// Handles one read; false when the peer is done.
bool onReadable(int fd, Peer &peer, std::string &buffer)
{
    const ssize_t size = ::read(fd, buffer.data(), buffer.size());
    if (size <= 0)
        return size < 0 && errno == EAGAIN;
    char *data = buffer.data();
    auto available = static_cast<std::size_t>(size);
    if (peer.protocol.state() == Protocol::State::Connecting) {
        std::size_t consumed = 0;
        if (peer.head.parse(data, available, consumed) != HttpHeadParser::Status::Complete)
            return peer.head.status() == HttpHeadParser::Status::NeedMore;
        UpgradeRequest request;
        if (validateUpgradeRequest(peer.head.request(), request) != Error::None)
            return false;
        if (!writeAll(fd, buildAcceptResponse(request.key, {}, {})))
            return false;
        peer.protocol.open();
        data += consumed;
        available -= consumed;
    }
    peer.protocol.receive(data, available);
    for (Event event = peer.protocol.nextEvent(); event.type != Event::Type::None; event = peer.protocol.nextEvent()) {
        if (event.type != Event::Type::Message)
            continue;
        // A large echo goes out before the next event, while its payload is valid:
        // the frame header, then the payload itself, as WsKit's Server sends it.
        // Small ones are gathered and written once per read.
        if (event.payload.size() >= 64 * 1024
            && peer.protocol.sendMessageHeader(event.messageType, event.payload.size())) {
            if (!flush(fd, peer.protocol) || !writeAll(fd, event.payload))
                return false;
        } else {
            peer.protocol.sendMessage(event.messageType, event.payload);
        }
    }
    return flush(fd, peer.protocol) && !peer.protocol.shouldCloseTransport();
}

} // namespace

int serveCoreOnEpoll()
{
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0
        || ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        return 1;
    }
    std::printf("port %u\n", unsigned(ntohs(address.sin_port)));
    std::fflush(stdout);

    const int poller = ::epoll_create1(0);
    epoll_event listening{EPOLLIN, {}};
    listening.data.fd = listener;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, listener, &listening);
    std::unordered_map<int, std::unique_ptr<Peer>> peers;
    std::string buffer(256 * 1024, '\0');
    epoll_event ready[64];
    for (;;) {
        const int count = ::epoll_wait(poller, ready, 64, -1);
        for (int i = 0; i < count; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == listener) {
                int accepted;
                while ((accepted = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
                    // Echoes go out at once, not held back for the peer's delayed ACK.
                    const int noDelay = 1;
                    ::setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &noDelay, sizeof noDelay);
                    epoll_event event{EPOLLIN, {}};
                    event.data.fd = accepted;
                    ::epoll_ctl(poller, EPOLL_CTL_ADD, accepted, &event);
                    peers.emplace(accepted, std::make_unique<Peer>());
                }
                continue;
            }
            if (!onReadable(fd, *peers.at(fd), buffer)) {
                ::close(fd);
                peers.erase(fd);
            }
        }
    }
}
