// The command example end to end in headless Chromium: the page shows what the
// process writes to stdout and stderr and sends its input to the process's stdin;
// closing the page ends the process, even one that ignores its end of input and
// SIGTERM; a process that ends on its own closes the page's connection.

#include "browser.h"
#include "exampleserver.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <signal.h>

#include <cerrno>

using namespace TestSupport;

namespace {

// The process whose id the script wrote to pidFile is gone (and reaped).
bool processEnded(const QString &pidFile)
{
    QFile file(pidFile);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const pid_t pid = pid_t(file.readAll().trimmed().toInt());
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

} // namespace

class tst_Command : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pageTalksToProcess_data();
    void pageTalksToProcess();
    void processEndsFirst();
};

void tst_Command::pageTalksToProcess_data()
{
    QTest::addColumn<QString>("script"); // PIDFILE is where it writes its process id

    QTest::newRow("ends at the end of its input")
        << QStringLiteral("echo $$ > PIDFILE; echo ready; "
                          "while read line; do echo \"out: $line\"; echo \"err: $line\" >&2; done");
    QTest::newRow("ignores its end of input and SIGTERM")
        << QStringLiteral("trap '' TERM; echo $$ > PIDFILE; echo ready; "
                          "while true; do read line && { echo \"out: $line\"; echo \"err: $line\" >&2; } || sleep 1; done");
}

void tst_Command::pageTalksToProcess()
{
    QFETCH(QString, script);
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString pidFile = directory.filePath(QStringLiteral("pid"));
    ExampleServer command(QStringLiteral(WSKIT_EXAMPLE),
                          {QStringLiteral("--"), QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                           script.replace(QStringLiteral("PIDFILE"), pidFile)});
    QVERIFY2(command.url().isValid(), command.output().constData());
    Browser browser(QStringLiteral(WSKIT_CHROMIUM));
    QVERIFY2(browser.isReady(), browser.error().constData());

    const QString page = browser.open(command.url());
    QVERIFY2(!page.isEmpty(), browser.error().constData());
    QVERIFY2(browser.waitUntil(page, Browser::contains(QStringLiteral("output"), QStringLiteral("ready"))),
             browser.error().constData());
    QCOMPARE(browser.text(page, QStringLiteral("state")), QStringLiteral("running"));

    QVERIFY(browser.submit(page, QStringLiteral("input"), QStringLiteral("line"), QStringLiteral("h\u00e9llo")));
    // stdout and stderr arrive each in its own kind of span.
    const QString printed = QStringLiteral("[...document.querySelectorAll('#output .%1')].some(s => s.textContent.includes(%2))");
    QVERIFY2(browser.waitUntil(page, printed.arg(QStringLiteral("stdout"), Browser::jsString(QStringLiteral("out: h\u00e9llo")))),
             browser.text(page, QStringLiteral("output")).toUtf8().constData());
    QVERIFY(browser.waitUntil(page, printed.arg(QStringLiteral("stderr"), Browser::jsString(QStringLiteral("err: h\u00e9llo")))));
    QCOMPARE(browser.text(page, QStringLiteral("error")), QString());

    // Closing the page ends the process: end of input, SIGTERM, then SIGKILL.
    QVERIFY(!processEnded(pidFile));
    QVERIFY(browser.close(page));
    QTRY_VERIFY_WITH_TIMEOUT(processEnded(pidFile), 20000);
}

void tst_Command::processEndsFirst()
{
    ExampleServer command(QStringLiteral(WSKIT_EXAMPLE),
                          {QStringLiteral("--"), QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                           QStringLiteral("read line; echo \"bye $line\"; exit 3")});
    QVERIFY2(command.url().isValid(), command.output().constData());
    Browser browser(QStringLiteral(WSKIT_CHROMIUM));
    QVERIFY2(browser.isReady(), browser.error().constData());
    const QString page = browser.open(command.url());
    QVERIFY(browser.waitUntil(page, QStringLiteral("document.getElementById('state').textContent == 'running'")));
    QVERIFY(browser.submit(page, QStringLiteral("input"), QStringLiteral("line"), QStringLiteral("now")));
    QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("output"), QStringLiteral("bye now"))));
    QVERIFY2(browser.waitUntil(page, Browser::contains(QStringLiteral("output"), QStringLiteral("exited with code 3"))),
             browser.text(page, QStringLiteral("output")).toUtf8().constData());
    QVERIFY(browser.waitUntil(page, QStringLiteral("document.getElementById('state').textContent"
                                                   " == 'closed (1000: The command ended)'")));
    // "Run again" starts a new process for the page.
    QVERIFY(browser.evaluate(page, QStringLiteral("document.getElementById('restart').click(); true")).toBool());
    QVERIFY(browser.waitUntil(page, QStringLiteral("document.getElementById('state').textContent == 'running'")));
}

QTEST_MAIN(tst_Command)
#include "tst_command.moc"
