// The autobahn_client example against a stand-in for the Autobahn fuzzing
// server (peers/fuzzingserver_standin.py): it must ask for the case count, run
// every case under its agent name echoing each message, ask for the reports,
// and exit with 0 — assembling messages, and streaming them.

#include "clientinterop.h"

#include <QtCore/QTemporaryDir>

using namespace ClientInterop;

class tst_ClientAutobahn : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runsEveryCase_data();
    void runsEveryCase();
};

void tst_ClientAutobahn::runsEveryCase_data()
{
    QTest::addColumn<QStringList>("extraArguments");
    QTest::newRow("whole messages") << QStringList();
    QTest::newRow("streaming") << QStringList{QStringLiteral("--stream")};
}

void tst_ClientAutobahn::runsEveryCase()
{
    QFETCH(QStringList, extraArguments);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString reportPath = dir.filePath(QStringLiteral("report.json"));
    ChildProcess server;
    const quint16 port = startPeer(server, QStringLiteral(WSKIT_INTEROP_PYTHON),
                                   {QStringLiteral(WSKIT_INTEROP_PEERS "/fuzzingserver_standin.py"),
                                    QStringLiteral("--report"), reportPath});
    QVERIFY2(port, server.output().constData());

    // An agent name that needs percent-encoding in the query.
    const QString agent = QStringLiteral("WsKit test/1 & co");
    QProcess client;
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(QStringLiteral(WSKIT_AUTOBAHN_CLIENT),
                 QStringList{QStringLiteral("ws://127.0.0.1:%1").arg(port), QStringLiteral("--agent"), agent}
                     + extraArguments);
    QVERIFY(client.waitForFinished(30000));
    const QByteArray output = client.readAll();
    QVERIFY2(client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("5 cases") && output.contains("case 5/5") && output.contains("reports updated"),
             output.constData());

    QFile reportFile(reportPath);
    QVERIFY2(reportFile.open(QIODevice::ReadOnly), server.output().constData());
    const QJsonObject report = QJsonDocument::fromJson(reportFile.readAll()).object();
    QCOMPARE(report.value(QStringLiteral("agent")).toString(), agent);
    const QJsonObject results = report.value(QStringLiteral("results")).toObject().value(agent).toObject();
    QCOMPARE(results.size(), 5);
    for (int number = 1; number <= 5; ++number)
        QCOMPARE(results.value(QString::number(number)).toString(), QStringLiteral("OK"));
}

QTEST_MAIN(tst_ClientAutobahn)
#include "tst_client_autobahn.moc"
