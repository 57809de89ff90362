// Python's websockets library (Debian python3-websockets) against our Server:
// text, binary, fragmented, 16 MiB, ping/pong both ways and close codes both ways.

#include "interopserver.h"

#include <QtCore/QProcess>
#include <QtTest/QTest>

class tst_InteropPython : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pythonWebsocketsClient();
};

void tst_InteropPython::pythonWebsocketsClient()
{
    InteropServer fixture;
    QVERIFY(fixture.server.listen(QHostAddress::LocalHost, 0));
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(QStringLiteral(WSKIT_PYTHON),
                 {QStringLiteral(WSKIT_INTEROP_DIR "/python_client.py"),
                  QStringLiteral("ws://127.0.0.1:%1/").arg(fixture.server.serverPort())});
    QVERIFY(python.waitForStarted());
    // The server runs in this thread: wait with the event loop running.
    QTRY_COMPARE_WITH_TIMEOUT(python.state(), QProcess::NotRunning, 90000);
    const QByteArray output = python.readAll();
    QVERIFY2(python.exitStatus() == QProcess::NormalExit && python.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("server close ok"), output.constData());
    QTRY_COMPARE_WITH_TIMEOUT(fixture.closes.size(), 2, 5000);
    QCOMPARE(fixture.closes.at(0), qMakePair(quint16(4001), QStringLiteral("client bye")));
    QCOMPARE(fixture.closes.at(1).first, quint16(4002));
}

QTEST_MAIN(tst_InteropPython)
#include "tst_interop_python.moc"
