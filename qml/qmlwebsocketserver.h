#pragma once
// The QML WebSocketServer: QtWebSockets' WebSocketServer type over a WsKit::Server,
// with what that type lacks (subprotocols, allowed origins, message size limit,
// compression, keep-alive, the list of connected clients).

#include "qmlwebsocket.h"

#include <WsKit/server.h>

#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtQml/QQmlListProperty>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

namespace WsKit {

class QmlWebSocketServer : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(WebSocketServer)

    // The properties of QtWebSockets' WebSocketServer.
    Q_PROPERTY(QUrl url READ url NOTIFY urlChanged)
    Q_PROPERTY(QString host READ host WRITE setHost NOTIFY hostChanged)
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY portChanged)
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY nameChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(bool listen READ listen WRITE setListen NOTIFY listenChanged)
    Q_PROPERTY(bool accept READ accept WRITE setAccept NOTIFY acceptChanged)

    // WsKit's own.
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    Q_PROPERTY(QStringList subprotocols READ subprotocols WRITE setSubprotocols NOTIFY subprotocolsChanged)
    Q_PROPERTY(QStringList allowedOrigins READ allowedOrigins WRITE setAllowedOrigins NOTIFY allowedOriginsChanged)
    Q_PROPERTY(double maxMessageSize READ maxMessageSize WRITE setMaxMessageSize NOTIFY optionsChanged)
    Q_PROPERTY(bool compressionEnabled READ isCompressionEnabled WRITE setCompressionEnabled NOTIFY optionsChanged)
    Q_PROPERTY(int keepAliveInterval READ keepAliveInterval WRITE setKeepAliveInterval NOTIFY optionsChanged)
    Q_PROPERTY(QQmlListProperty<WsKit::QmlWebSocket> clients READ clients NOTIFY clientsChanged)

public:
    explicit QmlWebSocketServer(QObject *parent = nullptr);
    ~QmlWebSocketServer() override;

    void classBegin() override;
    void componentComplete() override;

    QUrl url() const;
    QString host() const;
    void setHost(const QString &host);
    int port() const;
    void setPort(int port);
    QString name() const;
    void setName(const QString &name);
    QString errorString() const;
    bool listen() const;
    void setListen(bool listen);
    bool accept() const;
    void setAccept(bool accept);

    bool isListening() const;
    QStringList subprotocols() const;
    void setSubprotocols(const QStringList &subprotocols);
    QStringList allowedOrigins() const;
    void setAllowedOrigins(const QStringList &origins);
    double maxMessageSize() const;
    void setMaxMessageSize(double bytes);
    bool isCompressionEnabled() const;
    void setCompressionEnabled(bool enabled);
    int keepAliveInterval() const;
    void setKeepAliveInterval(int milliseconds);
    QQmlListProperty<QmlWebSocket> clients();

Q_SIGNALS:
    void clientConnected(WsKit::QmlWebSocket *webSocket);
    void errorStringChanged(const QString &errorString);
    void urlChanged(const QUrl &url);
    void portChanged(int port);
    void nameChanged(const QString &name);
    void hostChanged(const QString &host);
    void listenChanged(bool listen);
    void acceptChanged(bool accept);

    void clientDisconnected(WsKit::QmlWebSocket *webSocket);
    void clientsChanged();
    void listeningChanged();
    void subprotocolsChanged();
    void allowedOriginsChanged();
    void optionsChanged();

private:
    // Listens as the properties say: stops, then listens again on host and port.
    void updateListening();
    // Hands the properties to the Server's Upgrader, for the next upgrades.
    void updateUpgrader();
    void updateOptions(const std::function<void(ConnectionOptions &)> &change);
    void setErrorString(const QString &errorString);
    void onNewConnection(Connection *connection);
    // Hands a client's closed WebSocket over to the JavaScript engine's collector.
    void release(QmlWebSocket *webSocket);

    Server m_server;
    QString m_host;
    int m_port = 0;
    QString m_name;
    QString m_errorString;
    bool m_listen = false;
    bool m_accept = true;
    bool m_complete = true;
    QStringList m_subprotocols;
    QStringList m_allowedOrigins;
    ConnectionOptions m_options = ConnectionOptions::serverDefaults();
    QList<QmlWebSocket *> m_clients;
};

} // namespace WsKit
