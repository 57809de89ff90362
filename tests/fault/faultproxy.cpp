#include "faultproxy.h"

#include <QtCore/QByteArray>
#include <QtCore/QSocketNotifier>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace {

// Stop reading a side while this much waits to be forwarded from it.
constexpr qsizetype MaxPending = 1024 * 1024;

void makeNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// A notifier may be retired from inside its own signal: delete it later.
void retire(QSocketNotifier *&notifier)
{
    if (!notifier)
        return;
    notifier->setEnabled(false);
    notifier->deleteLater();
    notifier = nullptr;
}

} // namespace

// One direction of a proxied connection: from one socket to the other.
struct FaultProxy::Pipe {
    int from = -1;
    int to = -1;
    FaultProxy::Plan plan;
    QByteArray pending;
    qint64 forwarded = 0;
    qint64 faultAt = -1;
    FaultProxy::Fault fault = FaultProxy::Fault::None;
    bool sourceEnded = false; // read EOF from `from`
    bool outputShut = false;  // sent FIN to `to`, or gave up on this direction
    QSocketNotifier *readable = nullptr; // children of the proxy
    QSocketNotifier *writable = nullptr;
    QTimer delay;
};

struct FaultProxy::Link {
    int client = -1;
    int server = -1;
    Pipe pipes[2]; // indexed by Direction
    bool closed = false;
};

FaultProxy::FaultProxy(quint16 targetPort, quint32 seed) : m_targetPort(targetPort), m_random(seed)
{
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::listen(m_listener, 64) != 0
        || ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        qFatal("fault proxy: cannot listen: %s", strerror(errno));
    m_port = ntohs(address.sin_port);
    m_acceptNotifier = std::make_unique<QSocketNotifier>(m_listener, QSocketNotifier::Read);
    connect(m_acceptNotifier.get(), &QSocketNotifier::activated, this, &FaultProxy::accept);
}

FaultProxy::~FaultProxy()
{
    for (auto &link : m_links)
        reset(*link);
    m_acceptNotifier.reset();
    ::close(m_listener);
    m_links.clear();
}

void FaultProxy::setPlan(Direction direction, const Plan &plan)
{
    m_plans[int(direction)] = plan;
}

void FaultProxy::arm(Direction direction, qint64 atByte, Fault fault)
{
    if (m_links.empty())
        qFatal("fault proxy: nothing to arm");
    Link &link = *m_links.back();
    Pipe &pipe = link.pipes[int(direction)];
    pipe.faultAt = atByte;
    pipe.fault = fault;
    pump(link, pipe);
}

qint64 FaultProxy::forwarded(Direction direction) const
{
    return m_links.empty() ? 0 : m_links.back()->pipes[int(direction)].forwarded;
}

int FaultProxy::openLinks() const
{
    int open = 0;
    for (const auto &link : m_links)
        open += link->closed ? 0 : 1;
    return open;
}

void FaultProxy::accept()
{
    const int client = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0)
        return;
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(m_targetPort);
    // A blocking connect on loopback returns at once.
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
        qFatal("fault proxy: cannot reach the server: %s", strerror(errno));
    makeNonBlocking(server);

    auto link = std::make_unique<Link>();
    link->client = client;
    link->server = server;
    Link *raw = link.get();
    for (Direction direction : {Direction::ToServer, Direction::ToClient}) {
        Pipe &pipe = raw->pipes[int(direction)];
        pipe.from = direction == Direction::ToServer ? client : server;
        pipe.to = direction == Direction::ToServer ? server : client;
        pipe.plan = m_plans[int(direction)];
        pipe.faultAt = pipe.plan.faultAt;
        pipe.fault = pipe.plan.fault;
        pipe.delay.setSingleShot(true);
        connect(&pipe.delay, &QTimer::timeout, this, [this, raw, &pipe] { pump(*raw, pipe); });
        pipe.readable = new QSocketNotifier(pipe.from, QSocketNotifier::Read, this);
        connect(pipe.readable, &QSocketNotifier::activated, this, [this, raw, &pipe] { readFrom(*raw, pipe); });
        pipe.writable = new QSocketNotifier(pipe.to, QSocketNotifier::Write, this);
        pipe.writable->setEnabled(false);
        connect(pipe.writable, &QSocketNotifier::activated, this, [this, raw, &pipe] {
            pipe.writable->setEnabled(false);
            pump(*raw, pipe);
        });
    }
    m_links.push_back(std::move(link));
}

void FaultProxy::readFrom(Link &link, Pipe &pipe)
{
    char buffer[65536];
    const ssize_t got = ::read(pipe.from, buffer, sizeof buffer);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (got < 0) { // reset by the peer: reset the other side too
        reset(link);
        return;
    }
    if (got == 0) {
        pipe.sourceEnded = true;
        pipe.readable->setEnabled(false);
    } else if (!pipe.outputShut) {
        pipe.pending.append(buffer, got);
        if (pipe.pending.size() > MaxPending)
            pipe.readable->setEnabled(false);
    }
    pump(link, pipe);
    closeIfDone(link);
}

void FaultProxy::pump(Link &link, Pipe &pipe)
{
    while (!link.closed && !pipe.outputShut && !pipe.delay.isActive() && !pipe.writable->isEnabled()) {
        if (pipe.fault != Fault::None && pipe.forwarded >= pipe.faultAt) {
            inject(link, pipe);
            return;
        }
        if (pipe.pending.isEmpty()) {
            if (pipe.sourceEnded)
                shutOutput(link, pipe);
            else
                pipe.readable->setEnabled(true);
            return;
        }
        qsizetype chunk = pipe.pending.size();
        if (pipe.plan.maxChunk > 0)
            chunk = std::min<qsizetype>(chunk, 1 + qsizetype(m_random() % quint32(pipe.plan.maxChunk)));
        if (pipe.fault != Fault::None)
            chunk = std::min<qsizetype>(chunk, pipe.faultAt - pipe.forwarded);
        const ssize_t written = ::send(pipe.to, pipe.pending.constData(), size_t(chunk), MSG_NOSIGNAL);
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pipe.writable->setEnabled(true);
            return;
        }
        if (written < 0) {
            reset(link);
            return;
        }
        pipe.pending.remove(0, written);
        pipe.forwarded += written;
        if (pipe.pending.size() <= MaxPending && !pipe.sourceEnded)
            pipe.readable->setEnabled(true);
        if (pipe.plan.maxDelayMs > 0)
            pipe.delay.start(int(m_random() % quint32(pipe.plan.maxDelayMs + 1)));
    }
}

void FaultProxy::inject(Link &link, Pipe &pipe)
{
    m_faultInjected = true;
    const Fault fault = pipe.fault;
    pipe.fault = Fault::None;
    if (fault == Fault::Reset) {
        reset(link);
        return;
    }
    // Half-close: the receiver sees the stream end here; what its sender still
    // sends is read and dropped.
    pipe.pending.clear();
    shutOutput(link, pipe);
}

void FaultProxy::shutOutput(Link &link, Pipe &pipe)
{
    pipe.outputShut = true;
    pipe.pending.clear();
    ::shutdown(pipe.to, SHUT_WR);
    if (!pipe.sourceEnded)
        pipe.readable->setEnabled(true);
    closeIfDone(link);
}

// Both directions ended: close both sockets.
void FaultProxy::closeIfDone(Link &link)
{
    if (link.closed || !link.pipes[0].outputShut || !link.pipes[1].outputShut || !link.pipes[0].sourceEnded
        || !link.pipes[1].sourceEnded)
        return;
    closeLink(link, false);
}

// Closes both sockets with RST (SO_LINGER 0) at once.
void FaultProxy::reset(Link &link)
{
    if (!link.closed)
        closeLink(link, true);
}

// Stops forwarding and closes both sockets, with RST (SO_LINGER 0) if `abortive`.
void FaultProxy::closeLink(Link &link, bool abortive)
{
    link.closed = true;
    for (Pipe &pipe : link.pipes) {
        retire(pipe.readable);
        retire(pipe.writable);
        pipe.delay.stop();
    }
    const linger noLinger{1, 0};
    for (int fd : {link.client, link.server}) {
        if (abortive)
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &noLinger, sizeof noLinger);
        ::close(fd);
    }
}
