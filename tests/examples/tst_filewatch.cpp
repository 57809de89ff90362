// The filewatch example end to end in headless Chromium: two pages show a file and
// follow it when the test rewrites it in place, replaces it as editors do (a new
// file renamed over it), removes it and brings it back.

#include "browser.h"
#include "exampleserver.h"

#include <QtCore/QFile>
#include <QtCore/QSaveFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace TestSupport;

namespace {

bool writeInPlace(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size();
}

// As editors save: a new file, renamed over the old one.
bool replace(const QString &path, const QByteArray &content)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size() && file.commit();
}

QString shows(const QString &content)
{
    return QStringLiteral("document.getElementById('content').textContent == %1").arg(Browser::jsString(content));
}

} // namespace

class tst_FileWatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pagesFollowTheFile();
};

void tst_FileWatch::pagesFollowTheFile()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    const QString path = directory.filePath(QStringLiteral("notes.txt"));
    QVERIFY(writeInPlace(path, "first version\n"));
    ExampleServer filewatch(QStringLiteral(WSKIT_EXAMPLE), {path});
    QVERIFY2(filewatch.url().isValid(), filewatch.output().constData());
    Browser browser(QStringLiteral(WSKIT_CHROMIUM));
    QVERIFY2(browser.isReady(), browser.error().constData());

    const QStringList pages{browser.open(filewatch.url()), browser.open(filewatch.url())};
    for (const QString &page : pages) {
        QVERIFY2(browser.waitUntil(page, shows(QStringLiteral("first version\n"))), browser.error().constData());
        QCOMPARE(browser.text(page, QStringLiteral("state")), QStringLiteral("watching"));
        QCOMPARE(browser.text(page, QStringLiteral("path")), path);
    }

    QVERIFY(writeInPlace(path, "second version, written in place \xc3\xa9\n"));
    for (const QString &page : pages)
        QVERIFY(browser.waitUntil(page, shows(QStringLiteral("second version, written in place \u00e9\n"))));

    QVERIFY(replace(path, "third version, renamed over it\n"));
    for (const QString &page : pages)
        QVERIFY(browser.waitUntil(page, shows(QStringLiteral("third version, renamed over it\n"))));
    // Still watched after the rename.
    QVERIFY(writeInPlace(path, "fourth\n"));
    for (const QString &page : pages)
        QVERIFY(browser.waitUntil(page, shows(QStringLiteral("fourth\n"))));

    QVERIFY(QFile::remove(path));
    for (const QString &page : pages)
        QVERIFY(browser.waitUntil(page, Browser::contains(QStringLiteral("error"), QStringLiteral("does not exist"))));
    QVERIFY(writeInPlace(path, "back again\n"));
    for (const QString &page : pages) {
        QVERIFY(browser.waitUntil(page, shows(QStringLiteral("back again\n"))));
        QCOMPARE(browser.text(page, QStringLiteral("error")), QString());
    }
}

QTEST_MAIN(tst_FileWatch)
#include "tst_filewatch.moc"
