// Header fields packed into one buffer come back exactly as they were: order,
// repeated names, empty values, and any byte a field may hold.

#include "../../src/packedheaders_p.h"

#include <QtTest/QtTest>

using WsKit::HttpHeaderList;
using WsKit::PackedHeaders;

class tst_PackedHeaders : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
};

void tst_PackedHeaders::roundTrip_data()
{
    QTest::addColumn<HttpHeaderList>("fields");
    QTest::newRow("none") << HttpHeaderList{};
    QTest::newRow("a request") << HttpHeaderList{{"Host", "127.0.0.1:8080"},
                                                 {"Upgrade", "websocket"},
                                                 {"Connection", "Upgrade"},
                                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                                 {"Sec-WebSocket-Version", "13"}};
    QTest::newRow("repeated and empty") << HttpHeaderList{{"Cookie", "a=1"}, {"X-Empty", ""}, {"Cookie", "b=2"}};
    QTest::newRow("any bytes") << HttpHeaderList{{"X-Bytes", QByteArray("\x00\x01\xff\x80 \t", 6)}};
    QTest::newRow("long value") << HttpHeaderList{{"X-Long", QByteArray(70000, 'v')}, {"After", "it"}};
}

void tst_PackedHeaders::roundTrip()
{
    QFETCH(HttpHeaderList, fields);
    const PackedHeaders packed(fields);
    QCOMPARE(packed.toList(), fields);
    QCOMPARE(PackedHeaders().toList(), HttpHeaderList{});
}

QTEST_GUILESS_MAIN(tst_PackedHeaders)
#include "tst_packedheaders.moc"
