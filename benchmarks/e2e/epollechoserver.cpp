#include "epollechoserver.h"

#include <WsKit/Core/handshake.h>
#include <WsKit/Core/http.h>
#include <WsKit/Core/protocol.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
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

using Peers = std::unordered_map<int, std::unique_ptr<Peer>>;

// Sends a message to every open peer, each write at once.
void broadcast(Peers &peers, MessageType type, std::string_view payload)
{
    for (auto &[fd, other] : peers) {
        if (other->protocol.state() != Protocol::State::Open)
            continue;
        other->protocol.sendMessage(type, payload);
        flush(fd, other->protocol);
    }
}

// Handles one read; false when the peer is done.
bool onReadable(int fd, Peer &peer, std::string &buffer, Peers *broadcastTo)
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
        if (broadcastTo) {
            broadcast(*broadcastTo, event.messageType, event.payload);
            continue;
        }
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

// Answers one line of standard input; false at its end.
bool answerQuestion(std::size_t connections)
{
    char line[64] = {};
    if (::read(STDIN_FILENO, line, sizeof line - 1) <= 0)
        return false;
    const std::string question(line, std::strcspn(line, "\r\n"));
    if (question == "heap") {
        const struct mallinfo2 info = mallinfo2();
        std::printf("heap %lld\n", static_cast<long long>(info.uordblks + info.hblkhd));
    } else if (question == "connections") {
        std::printf("connections %zu\n", connections);
    } else {
        std::printf("ok\n");
    }
    std::fflush(stdout);
    return true;
}

int serveCoreOnEpoll(bool broadcasting)
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
    epoll_event input{EPOLLIN, {}};
    input.data.fd = STDIN_FILENO;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, STDIN_FILENO, &input);
    Peers peers;
    std::string buffer(256 * 1024, '\0');
    epoll_event ready[64];
    for (;;) {
        const int count = ::epoll_wait(poller, ready, 64, -1);
        for (int i = 0; i < count; ++i) {
            const int fd = ready[i].data.fd;
            if (fd == STDIN_FILENO) {
                if (!answerQuestion(peers.size()))
                    return 0;
                continue;
            }
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
            const auto peer = peers.find(fd);
            if (peer == peers.end())
                continue; // closed by an earlier event of this batch
            if (!onReadable(fd, *peer->second, buffer, broadcasting ? &peers : nullptr)) {
                ::close(fd);
                peers.erase(fd);
            }
        }
    }
}
