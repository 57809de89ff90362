// wss:// through the Dialer: certificate verification against a test CA made
// with openssl (trusted, untrusted, wrong host name, opting out), SNI and ALPN
// as they appear in the ClientHello, and TLS failures.

#include "dialertestutil.h"

#include <WsKit/Core/frame.h>
#include <WsKit/connection.h>
#include <WsKit/dialer.h>
#include <WsKit/server.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslServer>
#include <QtNetwork/QSslSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace DialerTest;
using WsKit::Dialer;
using WsKit::Server;

namespace {

// The parts of a TLS ClientHello (RFC 8446 §4.1.2) these tests look at.
struct ClientHello {
    bool complete = false;
    QByteArray serverName;          // server_name extension (RFC 6066 §3), host_name entry
    QList<QByteArray> alpnProtocols; // application_layer_protocol_negotiation (RFC 7301 §3.1)
};

quint32 readNumber(const QByteArray &bytes, qsizetype offset, int size)
{
    quint32 value = 0;
    for (int i = 0; i < size; ++i)
        value = (value << 8) | static_cast<quint8>(bytes.at(offset + i));
    return value;
}

ClientHello parseClientHello(const QByteArray &bytes)
{
    ClientHello hello;
    // Record header (5 bytes), handshake header (4), version (2), random (32).
    constexpr qsizetype RecordHeader = 5;
    if (bytes.size() < RecordHeader || bytes.at(0) != 22) // handshake record
        return hello;
    const qsizetype recordEnd = RecordHeader + readNumber(bytes, 3, 2);
    if (bytes.size() < recordEnd || bytes.at(RecordHeader) != 1) // client_hello
        return hello;
    qsizetype at = RecordHeader + 4 + 2 + 32;
    const auto skipVector = [&](int lengthSize) {
        at += lengthSize + readNumber(bytes, at, lengthSize);
    };
    skipVector(1); // legacy_session_id
    skipVector(2); // cipher_suites
    skipVector(1); // legacy_compression_methods
    const qsizetype extensionsEnd = at + 2 + readNumber(bytes, at, 2);
    at += 2;
    while (at + 4 <= extensionsEnd && extensionsEnd <= recordEnd) {
        const quint32 type = readNumber(bytes, at, 2);
        const qsizetype length = readNumber(bytes, at + 2, 2);
        const qsizetype data = at + 4;
        if (type == 0 && bytes.at(data + 2) == 0) // server_name list, host_name entry
            hello.serverName = bytes.mid(data + 5, readNumber(bytes, data + 3, 2));
        if (type == 16) {
            const qsizetype listEnd = data + 2 + readNumber(bytes, data, 2);
            for (qsizetype p = data + 2; p < listEnd; p += 1 + static_cast<quint8>(bytes.at(p)))
                hello.alpnProtocols.append(bytes.mid(p + 1, static_cast<quint8>(bytes.at(p))));
        }
        at = data + length;
    }
    hello.complete = true;
    return hello;
}

// An unmasked server text frame, encoded with the core's header codec.
QByteArray serverTextFrame(const QByteArray &payload)
{
    WsKit::Core::FrameHeader header;
    header.opcode = WsKit::Core::Opcode::Text;
    header.payloadLength = static_cast<std::uint64_t>(payload.size());
    char bytes[WsKit::Core::MaxFrameHeaderSize];
    const std::size_t size = WsKit::Core::encodeFrameHeader(header, bytes);
    return QByteArray(bytes, static_cast<qsizetype>(size)) + payload;
}

// Records what connection emits, in order: "opened", each text message and
// "closed <code>"; events must outlive the connection.
void recordEvents(Connection *connection, QStringList &events)
{
    QObject::connect(connection, &Connection::opened, connection,
                     [&events] { events.append(QStringLiteral("opened")); });
    QObject::connect(connection, &Connection::textMessageReceived, connection,
                     [&events](const QString &text) { events.append(text); });
    QObject::connect(connection, &Connection::closed, connection,
                     [&events](quint16 code) { events.append(QStringLiteral("closed %1").arg(code)); });
}

} // namespace

class tst_DialerTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void trustedCaOpens_data();
    void trustedCaOpens();
    void messagesRightAfterTheHandshake();
    void serverEndsRightAfterTheHandshake();
    void untrustedIsRefused();
    void wrongHostNameIsRefused();
    void optOutOfVerification();
    void ignoreSslErrorsFromSlot();
    void deleteFromSslErrorsSlot();
    void clientHelloCarriesSniAndAlpn();
    void noSniForAddressLiterals();
    void configuredAlpnIsKept();
    void serverThatIsNotTls();
    void tlsHandshakeTimeout();

private:
    // Our own server speaking wss with the given certificate; echoes messages.
    std::unique_ptr<Server> startServer(const QSslCertificate &certificate, const QSslKey &key,
                                        const QHostAddress &address = QHostAddress::LocalHost);
    // tlsServer on 127.0.0.1 with the test server certificate; false when it cannot listen.
    bool listenWithTls(QSslServer &tlsServer);
    // Waits for the client dialed to tlsServer and accepts its upgrade by hand;
    // the accepted socket, or nullptr when no request head came.
    QTcpSocket *acceptUpgrade(QSslServer &tlsServer);

    QTemporaryDir m_dir;
    TestPki m_pki;
};

void tst_DialerTls::initTestCase()
{
    QVERIFY(QSslSocket::supportsSsl());
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_pki.make(m_dir.path()), qPrintable(m_pki.error));
}

std::unique_ptr<Server> tst_DialerTls::startServer(const QSslCertificate &certificate, const QSslKey &key,
                                                   const QHostAddress &address)
{
    QSslConfiguration configuration = TestPki::serverConfiguration(certificate, key);
    configuration.setAllowedNextProtocols({QSslConfiguration::NextProtocolHttp1_1});
    return startEchoServer(configuration, address);
}

bool tst_DialerTls::listenWithTls(QSslServer &tlsServer)
{
    tlsServer.setSslConfiguration(TestPki::serverConfiguration(m_pki.server, m_pki.serverKey));
    return tlsServer.listen(QHostAddress::LocalHost);
}

QTcpSocket *tst_DialerTls::acceptUpgrade(QSslServer &tlsServer)
{
    if (!spinUntil([&] { return tlsServer.hasPendingConnections(); }))
        return nullptr;
    QTcpSocket *accepted = tlsServer.nextPendingConnection();
    QByteArray request;
    const bool headCame = spinUntil([&] {
        request += accepted->readAll();
        return request.contains("\r\n\r\n");
    });
    if (!headCame)
        return nullptr;
    accepted->write(RawServer::acceptResponseFor(request));
    accepted->flush();
    return accepted;
}

void tst_DialerTls::trustedCaOpens_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QHostAddress>("address");
    QTest::newRow("name") << QStringLiteral("localhost") << QHostAddress(QHostAddress::LocalHost);
    QTest::newRow("IPv4 literal") << QStringLiteral("127.0.0.1") << QHostAddress(QHostAddress::LocalHost);
    QTest::newRow("IPv6 literal") << QStringLiteral("[::1]") << QHostAddress(QHostAddress::LocalHostIPv6);
}

void tst_DialerTls::trustedCaOpens()
{
    QFETCH(QString, host);
    QFETCH(QHostAddress, address);
    const auto server = startServer(m_pki.server, m_pki.serverKey, address);
    QVERIFY(server);
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://%1:%2/secure?x=1").arg(host).arg(server->serverPort())), {}, this);
    QSignalSpy sslErrors(connection, &Connection::sslErrors);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QCOMPARE(sslErrors.size(), 0);
    auto *socket = qobject_cast<QSslSocket *>(connection->socket());
    QVERIFY(socket);
    QVERIFY(socket->isEncrypted());
    QCOMPARE(socket->peerCertificate(), m_pki.server);
    // ALPN: the client offered http/1.1 and the server chose it.
    QCOMPARE(socket->sslConfiguration().nextNegotiatedProtocol(), QByteArray("http/1.1"));
    QCOMPARE(connection->requestTarget(), QByteArray("/secure?x=1"));
    QVERIFY(connection->sendText(QStringLiteral("over TLS")));
    QCOMPARE(nextText(connection), QStringLiteral("over TLS"));
    const QByteArray big(200 * 1024, 'z');
    QVERIFY(connection->sendBinary(big));
    QCOMPARE(nextBinary(connection), big);
    QCOMPARE(closeAndWait(connection), 1000);
    delete connection;
}

void tst_DialerTls::messagesRightAfterTheHandshake()
{
    // The 101 and the first frames in separate TLS records that reach the
    // client in one read: QSslSocket hands them over one record at a time, and
    // opened() must still come before the first message, with nothing lost.
    QSslServer tlsServer;
    QVERIFY(listenWithTls(tlsServer));
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(tlsServer.serverPort())), {}, this);
    QStringList events;
    recordEvents(connection, events);

    QTcpSocket *accepted = acceptUpgrade(tlsServer);
    QVERIFY(accepted);
    for (int i = 0; i < 3; ++i) {
        accepted->write(serverTextFrame(QStringLiteral("welcome %1").arg(i).toUtf8()));
        accepted->flush();
    }
    QVERIFY(spinUntil([&] { return events.size() == 4; }));
    QCOMPARE(events, (QStringList{QStringLiteral("opened"), QStringLiteral("welcome 0"), QStringLiteral("welcome 1"),
                                  QStringLiteral("welcome 2")}));
    delete connection;
}

void tst_DialerTls::serverEndsRightAfterTheHandshake()
{
    // The 101, a message and the end of TLS and TCP in one read: the end comes
    // while the Connection has not taken the socket yet, and must still be seen
    // at once (not after the close timeout) and after the message.
    QSslServer tlsServer;
    QVERIFY(listenWithTls(tlsServer));
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(tlsServer.serverPort())), {}, this);
    QStringList events;
    recordEvents(connection, events);

    QTcpSocket *accepted = acceptUpgrade(tlsServer);
    QVERIFY(accepted);
    accepted->write(serverTextFrame("bye"));
    accepted->disconnectFromHost();
    QElapsedTimer timer;
    timer.start();
    QVERIFY(spinUntil([&] { return events.size() == 3; }));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(events, (QStringList{QStringLiteral("opened"), QStringLiteral("bye"), QStringLiteral("closed 1006")}));
    QCOMPARE(connection->error(), Connection::Error::TransportError);
    delete connection;
}

void tst_DialerTls::untrustedIsRefused()
{
    const auto server = startServer(m_pki.server, m_pki.serverKey);
    QVERIFY(server);
    QSignalSpy upgraded(server.get(), &Server::newConnection);
    Dialer dialer; // the system's CAs only
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    QSignalSpy sslErrors(connection, &Connection::sslErrors);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::TlsError);
    QCOMPARE(outcome.closedSignals, 1);
    QCOMPARE(sslErrors.size(), 1);
    const auto errors = sslErrors.first().at(0).value<QList<QSslError>>();
    QVERIFY(!errors.isEmpty());
    bool untrusted = false;
    for (const QSslError &error : errors) {
        untrusted = untrusted || error.error() == QSslError::UnableToGetLocalIssuerCertificate
            || error.error() == QSslError::UnableToVerifyFirstCertificate
            || error.error() == QSslError::CertificateUntrusted;
        QVERIFY2(outcome.errorString.contains(error.errorString()), qPrintable(outcome.errorString));
    }
    QVERIFY2(untrusted, qPrintable(outcome.errorString));
    QCOMPARE(connection->state(), Connection::State::Closed);
    QCOMPARE(upgraded.size(), 0);
    delete connection;
}

void tst_DialerTls::wrongHostNameIsRefused()
{
    // Signed by the trusted CA, but for elsewhere.example.
    const auto server = startServer(m_pki.otherServer, m_pki.otherServerKey);
    QVERIFY(server);
    Dialer dialer;
    dialer.setSslConfiguration(m_pki.trustingConfiguration());
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    QSignalSpy sslErrors(connection, &Connection::sslErrors);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::TlsError);
    QCOMPARE(sslErrors.size(), 1);
    const auto errors = sslErrors.first().at(0).value<QList<QSslError>>();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.first().error(), QSslError::HostNameMismatch);
    delete connection;
}

void tst_DialerTls::optOutOfVerification()
{
    const auto server = startServer(m_pki.otherServer, m_pki.otherServerKey);
    QVERIFY(server);
    Dialer dialer;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    dialer.setSslConfiguration(configuration);
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(server->serverPort())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QVERIFY(connection->sendText(QStringLiteral("unverified")));
    QCOMPARE(nextText(connection), QStringLiteral("unverified"));
    delete connection;
}

void tst_DialerTls::ignoreSslErrorsFromSlot()
{
    const auto server = startServer(m_pki.server, m_pki.serverKey);
    QVERIFY(server);
    Dialer dialer;
    Connection *connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    QList<QSslError> seen;
    connect(connection, &Connection::sslErrors, this, [&](const QList<QSslError> &errors) {
        seen = errors;
        // The application decides, for instance after pinning the certificate.
        if (errors.first().certificate() == m_pki.server)
            connection->ignoreSslErrors();
    });
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY2(outcome.opened, qPrintable(outcome.errorString));
    QVERIFY(!seen.isEmpty());
    QVERIFY(connection->sendText(QStringLiteral("pinned")));
    QCOMPARE(nextText(connection), QStringLiteral("pinned"));
    delete connection;
}

void tst_DialerTls::deleteFromSslErrorsSlot()
{
    const auto server = startServer(m_pki.server, m_pki.serverKey);
    QVERIFY(server);
    Dialer dialer;
    QPointer<Connection> connection =
        dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(server->serverPort())), {}, this);
    connect(connection, &Connection::sslErrors, this, [&] { delete connection.data(); });
    QVERIFY(spinUntil([&] { return connection.isNull(); }));
    QTest::qWait(50);
}

void tst_DialerTls::clientHelloCarriesSniAndAlpn()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(raw.port())), {}, this);
    QVERIFY(spinUntil([&] { return parseClientHello(raw.received()).complete; }));
    const ClientHello hello = parseClientHello(raw.received());
    QCOMPARE(hello.serverName, QByteArray("localhost"));
    QCOMPARE(hello.alpnProtocols, QList<QByteArray>{"http/1.1"});
    delete connection;
}

void tst_DialerTls::noSniForAddressLiterals()
{
    // RFC 6066 §3: literal addresses are not sent as a server name.
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(raw.port())), {}, this);
    QVERIFY(spinUntil([&] { return parseClientHello(raw.received()).complete; }));
    QVERIFY(parseClientHello(raw.received()).serverName.isEmpty());
    delete connection;
}

void tst_DialerTls::configuredAlpnIsKept()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setAllowedNextProtocols({"x-custom"});
    dialer.setSslConfiguration(configuration);
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(raw.port())), {}, this);
    QVERIFY(spinUntil([&] { return parseClientHello(raw.received()).complete; }));
    QCOMPARE(parseClientHello(raw.received()).alpnProtocols, QList<QByteArray>{"x-custom"});
    delete connection;
}

void tst_DialerTls::serverThatIsNotTls()
{
    RawServer raw;
    QVERIFY(raw.listen());
    Dialer dialer;
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(raw.port())), {}, this);
    DialWatch outcome(connection);
    QVERIFY(raw.waitForConnection());
    QVERIFY(spinUntil([&] { return !raw.received().isEmpty(); }));
    raw.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    QVERIFY(outcome.wait());
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::TlsError);
    QCOMPARE(outcome.closedSignals, 1);
    delete connection;
}

void tst_DialerTls::tlsHandshakeTimeout()
{
    RawServer raw; // accepts, reads the ClientHello, never answers
    QVERIFY(raw.listen());
    Dialer dialer;
    dialer.setHandshakeTimeout(400ms);
    Connection *connection = dialer.dial(QUrl(QStringLiteral("wss://localhost:%1/").arg(raw.port())), {}, this);
    const Outcome outcome = waitForOutcome(connection);
    QVERIFY(!outcome.opened);
    QCOMPARE(outcome.error, Connection::Error::HandshakeTimeout);
    QVERIFY(!raw.received().isEmpty());
    delete connection;
}

QTEST_MAIN(tst_DialerTls)
#include "tst_dialer_tls.moc"
