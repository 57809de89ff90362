#pragma once
// The transport over Qt's own socket: a QSslSocket for wss, or a QTcpSocket that
// reaches its peer through a proxy (or when the environment asks for it). Qt
// buffers both directions and writes from the event loop.

#include "transport_p.h"

QT_BEGIN_NAMESPACE
class QSslSocket;
QT_END_NAMESPACE

namespace WsKit {

class SocketTransport final : public Transport
{
public:
    // Takes socket as a child of owner.
    SocketTransport(QTcpSocket *socket, QObject *owner, TransportEvents *events);
    ~SocketTransport() override;

    Kind kind() const override { return Kind::Socket; }
    qint64 read(char *data, qint64 size) override;
    void setReading(bool) override {}
    bool hasBufferedInput() const override;
    void write(std::string_view bytes) override;
    void write(std::string_view header, const QByteArray &payload) override;
    qint64 bytesToWrite() const override;
    qint64 bytesWritten() const override { return m_bytesWritten; }
    void disconnectFromHost() override;
    void abort() override;
    void deferDeletion() override { m_deferDeletion = true; }
    bool closedByPeer() const override;
    QString errorString() const override;
    void setNoDelay(bool noDelay) override;
    QHostAddress localAddress() const override;
    quint16 localPort() const override;
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;
    QTcpSocket *socket() const override { return m_socket; }
    qintptr descriptor() const override;

private:
    QTcpSocket *m_socket;
    QSslSocket *m_sslSocket; // m_socket, when it is one
    QObject *m_owner;
    qint64 m_bytesWritten = 0;
    bool m_deferDeletion = false;
};

} // namespace WsKit
