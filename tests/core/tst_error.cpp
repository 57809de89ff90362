#include <WsKit/Core/closecode.h>
#include <WsKit/Core/error.h>

#include <QtTest/QtTest>

#include <cstring>
#include <set>
#include <string>

using namespace WsKit::Core;

Q_DECLARE_METATYPE(WsKit::Core::Error)

namespace {
constexpr Error LastError = Error::UnexpectedExtension;
}

class tst_Error : public QObject
{
    Q_OBJECT

private slots:
    void mappings_data();
    void mappings();
    void textForEveryValue();
    void unknownValue();
};

void tst_Error::mappings_data()
{
    QTest::addColumn<Error>("error");
    QTest::addColumn<int>("closeCode");
    QTest::addColumn<int>("httpStatus");

    auto row = [](const char *name, Error error, int closeCode, int httpStatus) {
        QTest::newRow(name) << error << closeCode << httpStatus;
    };
    row("None", Error::None, 0, 0);
    // RFC 6455 §7.4.1: 1002 for protocol errors.
    row("ReservedBitsSet", Error::ReservedBitsSet, CloseCode::ProtocolError, 0);
    row("UnknownOpcode", Error::UnknownOpcode, CloseCode::ProtocolError, 0);
    row("ControlFrameTooLong", Error::ControlFrameTooLong, CloseCode::ProtocolError, 0);
    row("FragmentedControlFrame", Error::FragmentedControlFrame, CloseCode::ProtocolError, 0);
    row("UnmaskedClientFrame", Error::UnmaskedClientFrame, CloseCode::ProtocolError, 0);
    row("MaskedServerFrame", Error::MaskedServerFrame, CloseCode::ProtocolError, 0);
    row("NonMinimalLength", Error::NonMinimalLength, CloseCode::ProtocolError, 0);
    row("LengthTopBitSet", Error::LengthTopBitSet, CloseCode::ProtocolError, 0);
    row("UnexpectedContinuation", Error::UnexpectedContinuation, CloseCode::ProtocolError, 0);
    row("ExpectedContinuation", Error::ExpectedContinuation, CloseCode::ProtocolError, 0);
    row("InvalidClosePayload", Error::InvalidClosePayload, CloseCode::ProtocolError, 0);
    row("InvalidCloseCode", Error::InvalidCloseCode, CloseCode::ProtocolError, 0);
    // 1007 for data inconsistent with the message type, 1009 too big, 1011 our failure.
    row("InvalidUtf8", Error::InvalidUtf8, CloseCode::InvalidPayload, 0);
    row("InvalidCompressedData", Error::InvalidCompressedData, CloseCode::InvalidPayload, 0);
    row("MessageTooBig", Error::MessageTooBig, CloseCode::MessageTooBig, 0);
    row("CompressionFailed", Error::CompressionFailed, CloseCode::InternalError, 0);
    // Send errors fail nothing.
    row("SendAfterClose", Error::SendAfterClose, 0, 0);
    row("NoMessageOpen", Error::NoMessageOpen, 0, 0);
    row("MessageAlreadyOpen", Error::MessageAlreadyOpen, 0, 0);
    row("ControlPayloadTooLong", Error::ControlPayloadTooLong, 0, 0);
    row("InvalidCloseCodeToSend", Error::InvalidCloseCodeToSend, 0, 0);
    // Server handshake errors answer with an HTTP status.
    row("RequestHeadTooLarge", Error::RequestHeadTooLarge, 0, 431);
    row("MalformedRequest", Error::MalformedRequest, 0, 400);
    row("MethodNotGet", Error::MethodNotGet, 0, 405);
    row("UnsupportedHttpVersion", Error::UnsupportedHttpVersion, 0, 400);
    row("MissingHost", Error::MissingHost, 0, 400);
    row("MissingUpgradeWebSocket", Error::MissingUpgradeWebSocket, 0, 400);
    row("MissingConnectionUpgrade", Error::MissingConnectionUpgrade, 0, 400);
    row("InvalidKey", Error::InvalidKey, 0, 400);
    row("UnsupportedVersion", Error::UnsupportedVersion, 0, 426);
    row("OriginNotAllowed", Error::OriginNotAllowed, 0, 403);
    row("InvalidExtensionOffer", Error::InvalidExtensionOffer, 0, 400);
    // Client handshake errors: no close code, no status to send.
    row("ResponseHeadTooLarge", Error::ResponseHeadTooLarge, 0, 0);
    row("MalformedResponse", Error::MalformedResponse, 0, 0);
    row("UnexpectedStatus", Error::UnexpectedStatus, 0, 0);
    row("MissingUpgradeResponse", Error::MissingUpgradeResponse, 0, 0);
    row("MissingConnectionResponse", Error::MissingConnectionResponse, 0, 0);
    row("InvalidAccept", Error::InvalidAccept, 0, 0);
    row("UnexpectedSubprotocol", Error::UnexpectedSubprotocol, 0, 0);
    row("UnexpectedExtension", Error::UnexpectedExtension, 0, 0);
}

void tst_Error::mappings()
{
    QFETCH(Error, error);
    QFETCH(int, closeCode);
    QFETCH(int, httpStatus);

    QCOMPARE(int(errorCloseCode(error)), closeCode);
    QCOMPARE(errorHttpStatus(error), httpStatus);
    if (closeCode != 0)
        QVERIFY(isValidCloseCode(errorCloseCode(error)));
}

void tst_Error::textForEveryValue()
{
    std::set<std::string> seen;
    for (int value = 0; value <= int(LastError); ++value) {
        const char *text = errorText(static_cast<Error>(value));
        QVERIFY2(text != nullptr, qPrintable(QString::number(value)));
        const std::size_t length = std::strlen(text);
        QVERIFY2(length > 1, qPrintable(QString::number(value)));
        QVERIFY2(text[length - 1] == '.', text); // a sentence
        QVERIFY2(seen.insert(text).second, text); // no two errors read the same
    }
    QCOMPARE(seen.size(), std::size_t(LastError) + 1);
}

void tst_Error::unknownValue()
{
    // A value from a newer library version, e.g. read back from a log.
    const auto unknown = static_cast<Error>(int(LastError) + 1);
    QVERIFY(errorText(unknown) != nullptr);
    QVERIFY(std::strlen(errorText(unknown)) > 0);
    QCOMPARE(int(errorCloseCode(unknown)), 0);
    QCOMPARE(errorHttpStatus(unknown), 0);
}

QTEST_APPLESS_MAIN(tst_Error)
#include "tst_error.moc"
