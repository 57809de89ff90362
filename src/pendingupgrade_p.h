#pragma once
// One server-side opening handshake from a complete request head to its answer
// (RFC 6455 §4.2): the checks, the application's decision (made at once or
// later), and then the 101 response and an open Connection, or an HTTP error.

#include "upgrader_p.h"

#include <WsKit/Core/handshake.h>
#include <WsKit/httprequest.h>
#include <WsKit/upgradedecision.h>

#include <QtCore/QBasicTimer>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <memory>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace WsKit {

// A child of its socket until the answer is settled. Its done callback is called
// exactly once, after which nothing calls back into the Upgrader's user.
class PendingUpgrade : public QObject
{
public:
    // Upgrades socket by upgrader's policy. The request is taken as it is: who sent
    // it is the socket's peer, or the client a trusted proxy forwarded (Server).
    static void start(QTcpSocket *socket, const HttpRequest &request, const Upgrader &upgrader, QObject *parent,
                      Upgrader::UpgradeCallback done);
    ~PendingUpgrade() override;

    // The decision was made through an UpgradeDecision: apply it, unless the
    // decision handler is still running (then it is applied once it returned).
    void decided();
    // Every copy of a pending decision is gone: nobody can decide any more.
    void decisionDropped();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    PendingUpgrade(QTcpSocket *socket, const HttpRequest &request, const Upgrader::Private &policy, QObject *parent,
                   Upgrader::UpgradeCallback done);

    void begin();
    void askHandler();
    void apply(const UpgradeDecision::Private &decision);
    void acceptWith(const QString &subprotocol, const HttpHeaderList &headers, const ConnectionOptions &options);
    void refuse(Core::Error error);
    // Sends an HTTP answer, reports the refusal and ends the upgrade; the socket is
    // closed once the answer was sent (or aborted after the decision timeout).
    void answer(const QByteArray &response, int status, const QString &reason);
    void onSocketGone();
    void markDecision(UpgradeDecision::State state);
    // Calls done once; false when that deleted this upgrade.
    bool finish(Connection *connection);

    QTcpSocket *m_socket;
    HttpRequest m_request;
    Core::UpgradeRequest m_upgrade;
    Upgrader::Private m_policy;
    QPointer<QObject> m_parent;
    Upgrader::UpgradeCallback m_done;
    std::weak_ptr<UpgradeDecision::Private> m_decision;
    QBasicTimer m_timer;
    bool m_inHandler = false;
    bool m_answering = false; // an HTTP answer is on its way; the timer bounds it
    bool m_finished = false;  // done was called
};

} // namespace WsKit
