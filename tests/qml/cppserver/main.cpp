// A Qt Quick Test runner whose QML tests talk to a C++ WsKit::Server, exposed to
// them as the context property cppServer.

#include <WsKit/connection.h>
#include <WsKit/server.h>
#include <WsKit/upgrader.h>

#include <QtCore/QPointer>
#include <QtCore/QUrl>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

#include <memory>

namespace {

// An echo server on 127.0.0.1 with subprotocols, that a test can close, stop and start.
class CppServer : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QUrl url READ url NOTIFY urlChanged)
    Q_PROPERTY(int connectionCount READ connectionCount NOTIFY connectionCountChanged)
    Q_PROPERTY(QString lastRequestTarget READ lastRequestTarget NOTIFY connectionCountChanged)

public:
    CppServer()
    {
        WsKit::Upgrader upgrader = m_server.upgrader();
        upgrader.setSubprotocols({QStringLiteral("json"), QStringLiteral("text")});
        m_server.setUpgrader(upgrader);
        connect(&m_server, &WsKit::Server::connectionCountChanged, this, &CppServer::connectionCountChanged);
        connect(&m_server, &WsKit::Server::newConnection, this, [this](WsKit::Connection *connection) {
            m_lastRequestTarget = QString::fromLatin1(connection->requestTarget());
            connect(connection, &WsKit::Connection::messageReceived, connection,
                    [connection](const QByteArray &payload, WsKit::Connection::MessageType type) {
                        connection->sendMessage(type == WsKit::Connection::MessageType::Text ? "cpp: " + payload : payload,
                                                type);
                    });
        });
    }

    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port)); }
    int connectionCount() const { return m_server.connectionCount(); }
    QString lastRequestTarget() const { return m_lastRequestTarget; }

    // Listens on the port it had, or on a new one the first time.
    Q_INVOKABLE bool start()
    {
        if (!m_server.listen(QHostAddress::LocalHost, m_port))
            return false;
        if (m_port != m_server.serverPort()) {
            m_port = m_server.serverPort();
            Q_EMIT urlChanged();
        }
        return true;
    }

    // Closes every connection with 1001 and stops listening.
    Q_INVOKABLE void shutdown() { m_server.shutdown(); }

    Q_INVOKABLE void closeAll(int code, const QString &reason)
    {
        const QList<WsKit::Connection *> connections = m_server.connections();
        for (WsKit::Connection *connection : connections)
            connection->close(static_cast<quint16>(code), reason);
    }

Q_SIGNALS:
    void urlChanged();
    void connectionCountChanged();

private:
    WsKit::Server m_server;
    quint16 m_port = 0;
    QString m_lastRequestTarget;
};

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void applicationAvailable()
    {
        m_server = std::make_unique<CppServer>();
        if (!m_server->start())
            qFatal("the C++ server cannot listen");
    }
    void qmlEngineAvailable(QQmlEngine *engine) { engine->rootContext()->setContextProperty(QStringLiteral("cppServer"), m_server.get()); }
    void cleanupTestCase() { m_server.reset(); }

private:
    std::unique_ptr<CppServer> m_server;
};

} // namespace

QUICK_TEST_MAIN_WITH_SETUP(cppserver, Setup)

#include "main.moc"
