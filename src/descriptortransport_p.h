#pragma once
// The transport of a plain TCP connection on POSIX systems: reads from its
// descriptor straight into the buffer the Connection parses (one per thread),
// sends the core's output with one system call (header and payload gathered),
// and queues only what the kernel does not take, in pooled chunks. Idle, it
// holds the descriptor and one QSocketNotifier, nothing more.

#include "outputqueue_p.h"
#include "transport_p.h"

namespace WsKit {

class DescriptorTransport final : public Transport
{
public:
    // A transport on a duplicate of socket's descriptor, when socket is plain TCP
    // connected to its peer with nothing left in its write buffer; then the bytes
    // it had read are handed on and the socket is closed and deleted later.
    // nullptr (socket untouched) otherwise.
    static std::unique_ptr<Transport> adopt(QTcpSocket *socket, QObject *owner, TransportEvents *events);

    // Takes the non-blocking descriptor fd; `unread` comes first in read().
    DescriptorTransport(int fd, QByteArray unread, QObject *owner, TransportEvents *events);
    ~DescriptorTransport() override;

    Kind kind() const override { return Kind::Descriptor; }
    qint64 read(char *data, qint64 size) override;
    void setReading(bool reading) override;
    bool hasBufferedInput() const override { return !m_unread.isEmpty(); }
    void write(std::string_view bytes) override;
    void write(std::string_view header, const QByteArray &payload) override;
    qint64 bytesToWrite() const override { return m_queue.size(); }
    qint64 bytesWritten() const override { return m_bytesWritten; }
    void disconnectFromHost() override;
    void abort() override;
    // Its notifiers may be deleted from inside their own signals.
    void deferDeletion() override {}
    bool closedByPeer() const override { return m_error == 0; }
    QString errorString() const override;
    void setNoDelay(bool noDelay) override;
    QHostAddress localAddress() const override;
    quint16 localPort() const override;
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;
    QTcpSocket *socket() const override { return nullptr; }
    qintptr descriptor() const override { return m_fd; }

private:
    class Notifier;

    // Sends the views with one system call; the bytes sent, or -1 after a failure
    // (then the transport has ended).
    qint64 send(const std::string_view *views, int count);
    void onReadable();
    void onWritable();
    void watchWritable(bool watch);
    // The connection is over: closes the descriptor, drops the queue and, unless
    // aborted, reports the end from the event loop. error: errno, 0 for a clean end.
    void end(int error, bool report);
    void deleteNotifier(Notifier *&notifier);

    int m_fd;
    QByteArray m_unread; // read by Qt's socket before the switch
    QObject *m_owner;
    TransportEvents *m_events;
    Notifier *m_readNotifier = nullptr;
    Notifier *m_writeNotifier = nullptr; // only while bytes are queued
    OutputQueue m_queue;
    qint64 m_bytesWritten = 0;
    int m_error = 0;
    bool m_reading = true;
    bool m_mayHaveInput = true; // no short read since the descriptor was last readable
    bool m_closing = false;     // disconnectFromHost() waits for the queue to drain
};

} // namespace WsKit
