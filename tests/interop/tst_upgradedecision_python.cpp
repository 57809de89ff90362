// Python's websockets library (Debian python3-websockets) against a Server that
// decides each upgrade: a 401 with WWW-Authenticate, and a Set-Cookie and a
// subprotocol chosen per request, one of them decided later.

#include "interopserver.h"

#include <WsKit/httprequest.h>
#include <WsKit/httpresponse.h>
#include <WsKit/upgradedecision.h>
#include <WsKit/upgrader.h>

#include <QtCore/QProcess>
#include <QtCore/QTimer>
#include <QtTest/QTest>

class tst_UpgradeDecisionPython : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decisionsSeenByPython();
};

void tst_UpgradeDecisionPython::decisionsSeenByPython()
{
    InteropServer fixture;
    QStringList users;
    WsKit::Upgrader upgrader;
    upgrader.setSubprotocols({QStringLiteral("chat.v2"), QStringLiteral("chat.v1")});
    upgrader.setDecisionHandler([&](const WsKit::HttpRequest &request, WsKit::UpgradeDecision decision) {
        const QString user = request.query().queryItemValue(QStringLiteral("user"));
        users.append(user);
        if (request.header("Authorization") != "Bearer good") {
            WsKit::HttpResponse response(401);
            response.setHeader("WWW-Authenticate", "Bearer realm=\"chat\"");
            response.setBody("Log in first.\n", "text/plain");
            decision.reject(response);
            return;
        }
        decision.addResponseHeader("Set-Cookie", "session=" + user.toUtf8() + "; Path=/; HttpOnly");
        if (user == QStringLiteral("bob")) {
            decision.setSubprotocol(QStringLiteral("chat.v1"));
            // Decided later, as after asking another service.
            QTimer::singleShot(100, &fixture.server, [decision]() mutable { decision.accept(); });
            return;
        }
        decision.accept();
    });
    fixture.server.setUpgrader(upgrader);
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));

    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(WSKIT_PYTHON),
                 {QStringLiteral(WSKIT_INTEROP_DIR "/upgrade_decision_client.py"),
                  QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.server.serverPort())});
    QVERIFY(python.waitForStarted());
    QTRY_COMPARE_WITH_TIMEOUT(python.state(), QProcess::NotRunning, 90000);
    const QByteArray output = python.readAll();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("bob ok"), output.constData());
    QCOMPARE(users, (QStringList{QStringLiteral("nobody"), QStringLiteral("alice"), QStringLiteral("bob")}));
}

QTEST_MAIN(tst_UpgradeDecisionPython)
#include "tst_upgradedecision_python.moc"
