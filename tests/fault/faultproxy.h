#pragma once
// A TCP proxy for fault injection between a WebSocket client and server on
// loopback. Each direction forwards the bytes it reads in chunks of random size,
// after random delays, and can be armed to reset both connections (RST) or to
// half-close (FIN) toward the receiver once a given number of bytes went through,
// e.g. in the middle of a frame or of the opening handshake. It propagates a FIN it
// reads and an error (RST) it sees, so each end sees what the other did. Plain
// sockets under QSocketNotifier, because QTcpSocket cannot half-close. Randomness
// comes from one seed, so a case replays exactly.

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <memory>
#include <random>
#include <vector>

class FaultProxy : public QObject
{
public:
    enum class Direction { ToServer, ToClient };
    enum class Fault { None, Reset, HalfClose };

    struct Plan {
        int maxChunk = 0;   // forward in pieces of 1..maxChunk bytes; 0: as read
        int maxDelayMs = 0; // wait 0..maxDelayMs between pieces
        qint64 faultAt = -1; // inject `fault` once this many bytes went through
        Fault fault = Fault::None;
    };

    FaultProxy(quint16 targetPort, quint32 seed);
    ~FaultProxy() override;

    quint16 port() const { return m_port; }
    // Forwarding for connections accepted from now on.
    void setPlan(Direction direction, const Plan &plan);
    // Once `atByte` bytes in all went through `direction` of the latest connection,
    // inject `fault` there (before forwarding any byte past it).
    void arm(Direction direction, qint64 atByte, Fault fault);
    // Bytes forwarded in `direction` of the latest connection so far.
    qint64 forwarded(Direction direction) const;
    bool faultInjected() const { return m_faultInjected; }
    // Connections that still have a socket open on either side.
    int openLinks() const;

private:
    struct Link;
    struct Pipe;
    void accept();
    void readFrom(Link &link, Pipe &pipe);
    void pump(Link &link, Pipe &pipe);
    void inject(Link &link, Pipe &pipe);
    void reset(Link &link);
    void shutOutput(Link &link, Pipe &pipe);
    void closeIfDone(Link &link);
    void closeLink(Link &link, bool abortive);

    int m_listener = -1;
    quint16 m_port = 0;
    quint16 m_targetPort;
    std::mt19937 m_random;
    Plan m_plans[2];
    std::unique_ptr<class QSocketNotifier> m_acceptNotifier;
    std::vector<std::unique_ptr<Link>> m_links;
    bool m_faultInjected = false;
};
