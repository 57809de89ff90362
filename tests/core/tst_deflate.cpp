// Tests of the permessage-deflate codec (RFC 7692 §7.2) over real compressed bytes.

#include <WsKit/Core/deflate.h>

#include <QtTest/QtTest>

#include <zlib.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <new>
#include <string>
#include <vector>

using namespace WsKit::Core;

// The work the codec asks of zlib and of the heap, counted without touching the
// codec: this program stands in for zlib's inflate() and window functions (which
// forward to the real ones) and for the global operator new.
namespace Work {
std::size_t inflateCalls = 0;
std::size_t windowBytesCopied = 0;
std::size_t heapBytes = 0;
bool counting = false;

template<typename Function>
Function *real(const char *name)
{
    auto *function = reinterpret_cast<Function *>(dlsym(RTLD_NEXT, name));
    if (!function)
        qFatal("zlib's %s not found", name);
    return function;
}
} // namespace Work

extern "C" {
int inflate(z_streamp stream, int flush)
{
    static auto *const forward = Work::real<int(z_streamp, int)>("inflate");
    Work::inflateCalls += Work::counting;
    return forward(stream, flush);
}

int inflateGetDictionary(z_streamp stream, Bytef *dictionary, uInt *length)
{
    static auto *const forward = Work::real<int(z_streamp, Bytef *, uInt *)>("inflateGetDictionary");
    const int result = forward(stream, dictionary, length);
    if (Work::counting && length)
        Work::windowBytesCopied += *length;
    return result;
}

int inflateSetDictionary(z_streamp stream, const Bytef *dictionary, uInt length)
{
    static auto *const forward = Work::real<int(z_streamp, const Bytef *, uInt)>("inflateSetDictionary");
    if (Work::counting)
        Work::windowBytesCopied += length;
    return forward(stream, dictionary, length);
}
}

void *operator new(std::size_t size)
{
    if (Work::counting)
        Work::heapBytes += size;
    if (void *memory = std::malloc(size ? size : 1))
        return memory;
    throw std::bad_alloc();
}

void operator delete(void *memory) noexcept { std::free(memory); }
void operator delete(void *memory, std::size_t) noexcept { std::free(memory); }

Q_DECLARE_METATYPE(WsKit::Core::Role)
Q_DECLARE_METATYPE(WsKit::Core::Error)
Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {

std::string bytes(std::initializer_list<int> values)
{
    std::string out;
    for (int value : values)
        out.push_back(char(value));
    return out;
}

Role peerOf(Role role) { return role == Role::Server ? Role::Client : Role::Server; }

// Parameters under which `sender` may not take over its context.
DeflateParameters noTakeoverFor(Role sender)
{
    DeflateParameters parameters;
    (sender == Role::Server ? parameters.serverNoContextTakeover : parameters.clientNoContextTakeover) = true;
    return parameters;
}

std::string compressMessage(DeflateCodec &codec, std::string_view message)
{
    std::string out;
    const Error error = codec.compress(message, true, out);
    if (error != Error::None)
        qFatal("compress failed with %d", int(error));
    return out;
}

// Deterministic pseudo-random bytes (xorshift64): incompressible data.
std::string randomBytes(std::size_t size, std::uint64_t seed)
{
    std::string out(size, '\0');
    for (char &c : out) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        c = char(seed >> 56);
    }
    return out;
}

// Deterministic English-like text: compressible, but not trivially.
std::string text(std::size_t size, std::uint64_t seed)
{
    static const char *const words[] = {"the",    "socket", "frame",  "message", "server", "client", "window",
                                        "deflate", "of",    "and",    "a",       "sends",  "reads",  "closes",
                                        "quickly", "every", "header", "payload", "bytes",  "to"};
    const std::string noise = randomBytes(size, seed);
    std::string out;
    for (std::size_t i = 0; out.size() < size; ++i) {
        out += words[static_cast<unsigned char>(noise[i % noise.size()]) % std::size(words)];
        out += (i % 11 == 10) ? ". " : " ";
    }
    out.resize(size);
    return out;
}

} // namespace

class TestDeflate : public QObject
{
    Q_OBJECT

private slots:
    void rfcExamplesInflate_data();
    void rfcExamplesInflate();
    void rfcHelloCompressed();
    void rfcSharingSlidingWindow_data();
    void rfcSharingSlidingWindow();
    void roundTrip_data();
    void roundTrip();
    void roleSelectsContextTakeover_data();
    void roleSelectsContextTakeover();
    void roleSelectsWindowBits_data();
    void roleSelectsWindowBits();
    void inflaterResetWithoutPeerTakeover();
    void fragmentedMessages_data();
    void fragmentedMessages();
    void levelChangesBetweenMessages_data();
    void levelChangesBetweenMessages();
    void levelChangeWaitsForMessageEnd();
    void emptyMessages();
    void emptyLastFragment();
    void windowBits8_data();
    void windowBits8();
    void zipBombStopsAtLimit_data();
    void zipBombStopsAtLimit();
    void limitIsExact();
    void corruptData_data();
    void corruptData();
    void bfinalBlockKeepsWindow();
    void emptyFinalBlocksCostConstantWork();
};

void TestDeflate::rfcExamplesInflate_data()
{
    QTest::addColumn<std::vector<std::string>>("frames");

    // RFC 7692 §7.2.3.1: "Hello" in one compressed block, whole and in 3 + 4 octets.
    QTest::newRow("7.2.3.1 one block") << std::vector<std::string>{bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})};
    QTest::newRow("7.2.3.1 fragmented")
        << std::vector<std::string>{bytes({0xf2, 0x48, 0xcd}), bytes({0xc9, 0xc9, 0x07, 0x00})};
    // §7.2.3.3: a block with no compression.
    QTest::newRow("7.2.3.3 stored block") << std::vector<std::string>{
        bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})};
    // §7.2.3.4: a block with BFINAL set, then the header of an empty stored block.
    QTest::newRow("7.2.3.4 bfinal") << std::vector<std::string>{
        bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00})};
    // §7.2.3.5: two blocks in one message.
    QTest::newRow("7.2.3.5 two blocks") << std::vector<std::string>{
        bytes({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00})};
}

void TestDeflate::rfcExamplesInflate()
{
    QFETCH(std::vector<std::string>, frames);
    for (Role role : {Role::Client, Role::Server}) {
        DeflateCodec codec(role, {});
        std::string out;
        for (std::size_t i = 0; i < frames.size(); ++i)
            QCOMPARE(codec.decompress(frames[i], i + 1 == frames.size(), 0, out), Error::None);
        QCOMPARE(out, std::string("Hello"));
    }
}

void TestDeflate::rfcHelloCompressed()
{
    // RFC 7692 §7.2.3.1: flushed, "Hello" is f2 48 cd c9 c9 07 00 00 00 ff ff; the
    // message payload is that without its last four octets.
    DeflateCodec flushed(Role::Server, {});
    std::string piece;
    QCOMPARE(flushed.compress("Hello", false, piece), Error::None);
    QCOMPARE(piece, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}));

    DeflateCodec codec(Role::Server, {});
    QCOMPARE(compressMessage(codec, "Hello"), bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
}

void TestDeflate::rfcSharingSlidingWindow_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<std::string>("second");

    // RFC 7692 §7.2.3.2: without context takeover the second "Hello" compresses to the
    // same bytes as the first; with it, to a back-reference into the first.
    const std::string same = bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    const std::string shared = bytes({0xf2, 0x00, 0x11, 0x00, 0x00});
    for (Role role : {Role::Client, Role::Server}) {
        const char *name = role == Role::Client ? "client" : "server";
        QTest::addRow("%s no takeover", name) << role << true << same;
        QTest::addRow("%s takeover", name) << role << false << shared;
    }
}

void TestDeflate::rfcSharingSlidingWindow()
{
    QFETCH(Role, role);
    QFETCH(bool, noContextTakeover);
    QFETCH(std::string, second);

    const DeflateParameters parameters = noContextTakeover ? noTakeoverFor(role) : DeflateParameters{};
    DeflateCodec sender(role, parameters);
    DeflateCodec receiver(peerOf(role), parameters);
    const std::string first = compressMessage(sender, "Hello");
    QCOMPARE(first, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}));
    QCOMPARE(compressMessage(sender, "Hello"), second);

    std::string out;
    QCOMPARE(receiver.decompress(first, true, 0, out), Error::None);
    QCOMPARE(receiver.decompress(second, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));
}

void TestDeflate::roundTrip_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("level");

    for (Role role : {Role::Client, Role::Server}) {
        for (bool noTakeover : {false, true}) {
            for (int level : {0, 1, 6, 9})
                QTest::addRow("%s %s level %d", role == Role::Client ? "client" : "server",
                              noTakeover ? "no takeover" : "takeover", level)
                    << role << noTakeover << level;
        }
    }
}

void TestDeflate::roundTrip()
{
    QFETCH(Role, role);
    QFETCH(bool, noContextTakeover);
    QFETCH(int, level);

    const DeflateParameters parameters = noContextTakeover ? noTakeoverFor(role) : DeflateParameters{};
    DeflateTuning tuning;
    tuning.level = level;
    DeflateCodec sender(role, parameters, tuning);
    DeflateCodec receiver(peerOf(role), parameters);

    static const std::vector<std::string> messages = {
        text(1000, 1),          std::string(),        text(1000, 1), randomBytes(70000, 2), std::string(1, 'x'),
        text(2 * 1024 * 1024, 3), randomBytes(5, 4), std::string(),
    };
    for (const std::string &message : messages) {
        const std::string compressed = compressMessage(sender, message);
        std::string out;
        QCOMPARE(receiver.decompress(compressed, true, 0, out), Error::None);
        QCOMPARE(out.size(), message.size());
        QVERIFY(out == message);
        if (level > 0 && message.size() > 100000)
            QVERIFY(compressed.size() < message.size() / 2);
    }
}

void TestDeflate::roleSelectsContextTakeover_data()
{
    QTest::addColumn<bool>("serverNoContextTakeover");
    QTest::addColumn<bool>("clientNoContextTakeover");

    QTest::newRow("server resets") << true << false;
    QTest::newRow("client resets") << false << true;
    QTest::newRow("both reset") << true << true;
    QTest::newRow("neither resets") << false << false;
}

void TestDeflate::roleSelectsContextTakeover()
{
    QFETCH(bool, serverNoContextTakeover);
    QFETCH(bool, clientNoContextTakeover);

    DeflateParameters parameters;
    parameters.serverNoContextTakeover = serverNoContextTakeover;
    parameters.clientNoContextTakeover = clientNoContextTakeover;
    const std::string message = text(4000, 7);
    for (Role role : {Role::Server, Role::Client}) {
        const bool resets = role == Role::Server ? serverNoContextTakeover : clientNoContextTakeover;
        DeflateCodec sender(role, parameters);
        DeflateCodec receiver(peerOf(role), parameters);
        const std::string first = compressMessage(sender, message);
        const std::string second = compressMessage(sender, message);
        if (resets)
            QCOMPARE(second, first);
        else
            QVERIFY(second.size() < first.size() / 10);
        std::string out;
        QCOMPARE(receiver.decompress(first, true, 0, out), Error::None);
        QCOMPARE(receiver.decompress(second, true, 0, out), Error::None);
        QVERIFY(out == message + message);
    }
}

void TestDeflate::roleSelectsWindowBits_data()
{
    QTest::addColumn<Role>("sender");
    QTest::addColumn<std::uint8_t>("serverBits");
    QTest::addColumn<std::uint8_t>("clientBits");

    QTest::newRow("server 9 bits") << Role::Server << std::uint8_t(9) << std::uint8_t(15);
    QTest::newRow("client 9 bits") << Role::Client << std::uint8_t(15) << std::uint8_t(9);
    QTest::newRow("server 15, client 9") << Role::Server << std::uint8_t(15) << std::uint8_t(9);
    QTest::newRow("client 15, server 9") << Role::Client << std::uint8_t(9) << std::uint8_t(15);
}

void TestDeflate::roleSelectsWindowBits()
{
    QFETCH(Role, sender);
    QFETCH(std::uint8_t, serverBits);
    QFETCH(std::uint8_t, clientBits);

    // The same 2000 random bytes twice, as two messages with context takeover: only a
    // sender with a 15-bit window refers back to the first message, and a receiver
    // that was told the sender's window is 9 bits must reject that reference. Each
    // role compresses with its own parameter and inflates with the other's.
    DeflateParameters parameters;
    parameters.serverMaxWindowBits = serverBits;
    parameters.clientMaxWindowBits = clientBits;
    const std::uint8_t senderBits = sender == Role::Server ? serverBits : clientBits;
    const std::string block = randomBytes(2000, 9);

    DeflateCodec codec(sender, parameters);
    const std::string first = compressMessage(codec, block);
    const std::string second = compressMessage(codec, block);
    QVERIFY(first.size() > 1900);
    if (senderBits == 15)
        QVERIFY(second.size() < 100);
    else
        QVERIFY(second.size() > 1900);

    DeflateCodec receiver(peerOf(sender), parameters);
    std::string out;
    QCOMPARE(receiver.decompress(first, true, 0, out), Error::None);
    QCOMPARE(receiver.decompress(second, true, 0, out), Error::None);
    QVERIFY(out == block + block);

    if (senderBits == 15) {
        DeflateParameters small = parameters;
        (sender == Role::Server ? small.serverMaxWindowBits : small.clientMaxWindowBits) = 9;
        DeflateCodec strict(peerOf(sender), small);
        out.clear();
        QCOMPARE(strict.decompress(first, true, 0, out), Error::None);
        QCOMPARE(strict.decompress(second, true, 0, out), Error::InvalidCompressedData);
    }
}

void TestDeflate::inflaterResetWithoutPeerTakeover()
{
    // §7.2.3.2's second message refers back into the first. A server that agreed to
    // client_no_context_takeover starts every message with an empty window, so the
    // reference is invalid there; with takeover it resolves.
    const std::string first = bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    const std::string second = bytes({0xf2, 0x00, 0x11, 0x00, 0x00});

    DeflateCodec keeping(Role::Server, {});
    std::string out;
    QCOMPARE(keeping.decompress(first, true, 0, out), Error::None);
    QCOMPARE(keeping.decompress(second, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));

    DeflateCodec resetting(Role::Server, noTakeoverFor(Role::Client));
    out.clear();
    QCOMPARE(resetting.decompress(first, true, 0, out), Error::None);
    QCOMPARE(resetting.decompress(second, true, 0, out), Error::InvalidCompressedData);

    // The server's own no_context_takeover does not concern what it inflates.
    DeflateCodec serverResets(Role::Server, noTakeoverFor(Role::Server));
    out.clear();
    QCOMPARE(serverResets.decompress(first, true, 0, out), Error::None);
    QCOMPARE(serverResets.decompress(second, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));
}

void TestDeflate::fragmentedMessages_data()
{
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("pieceSize");

    for (bool noTakeover : {false, true}) {
        for (int pieceSize : {1, 7, 1000, 65536})
            QTest::addRow("%s pieces of %d", noTakeover ? "no takeover" : "takeover", pieceSize)
                << noTakeover << pieceSize;
    }
}

void TestDeflate::fragmentedMessages()
{
    QFETCH(bool, noContextTakeover);
    QFETCH(int, pieceSize);

    const DeflateParameters parameters = noContextTakeover ? noTakeoverFor(Role::Client) : DeflateParameters{};
    DeflateCodec sender(Role::Client, parameters);
    DeflateCodec byFrame(Role::Server, parameters);
    DeflateCodec whole(Role::Server, parameters);
    DeflateCodec byteByByte(Role::Server, parameters);

    const std::size_t size = pieceSize < 100 ? 5000 : 200000;
    for (const std::string &message : {text(size, 11), randomBytes(size / 4, 12), text(size, 11)}) {
        std::vector<std::string> frames;
        for (std::size_t offset = 0; offset < message.size(); offset += std::size_t(pieceSize)) {
            const bool last = offset + std::size_t(pieceSize) >= message.size();
            std::string frame;
            QCOMPARE(sender.compress(std::string_view(message).substr(offset, std::size_t(pieceSize)), last, frame),
                     Error::None);
            frames.push_back(frame);
        }

        // Every frame inflates on arrival to exactly the bytes sent so far.
        std::string out;
        std::size_t sent = 0;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            QCOMPARE(byFrame.decompress(frames[i], i + 1 == frames.size(), 0, out), Error::None);
            sent = std::min(message.size(), sent + std::size_t(pieceSize));
            QCOMPARE(out.size(), sent);
        }
        QVERIFY(out == message);

        std::string joined;
        for (const std::string &frame : frames)
            joined += frame;
        std::string wholeOut;
        QCOMPARE(whole.decompress(joined, true, 0, wholeOut), Error::None);
        QVERIFY(wholeOut == message);

        std::string byteOut;
        for (std::size_t i = 0; i < joined.size(); ++i)
            QCOMPARE(byteByByte.decompress(joined.substr(i, 1), i + 1 == joined.size(), 0, byteOut), Error::None);
        QVERIFY(byteOut == message);
    }
}

void TestDeflate::levelChangesBetweenMessages_data()
{
    QTest::addColumn<bool>("noContextTakeover");
    QTest::addColumn<int>("windowBits");

    for (bool noTakeover : {false, true}) {
        for (int windowBits : {15, 8})
            QTest::addRow("%s window %d", noTakeover ? "no takeover" : "takeover", windowBits)
                << noTakeover << windowBits;
    }
}

void TestDeflate::levelChangesBetweenMessages()
{
    QFETCH(bool, noContextTakeover);
    QFETCH(int, windowBits);

    DeflateParameters parameters = noContextTakeover ? noTakeoverFor(Role::Server) : DeflateParameters{};
    parameters.serverMaxWindowBits = std::uint8_t(windowBits);
    DeflateTuning tuning;
    tuning.level = 9;
    DeflateCodec sender(Role::Server, parameters, tuning);
    DeflateCodec receiver(Role::Client, parameters);

    // The same text at each level, so the sizes compare; the window of earlier
    // messages stays in use across the changes.
    const std::string message = text(100000, 21);
    std::map<int, std::size_t> sizes;
    for (int level : {9, 0, 1, 9, 6, 0, 1}) {
        sender.setLevel(level);
        QCOMPARE(sender.level(), level);
        const std::string compressed = compressMessage(sender, message);
        std::string out;
        QCOMPARE(receiver.decompress(compressed, true, 0, out), Error::None);
        QVERIFY(out == message);
        sizes[level] = compressed.size();
    }
    // Level 0 stores the bytes; the others compress them.
    QVERIFY2(sizes[0] >= message.size(), QByteArray::number(qulonglong(sizes[0])).constData());
    QVERIFY(sizes[1] < message.size() * 3 / 4);
    QVERIFY(sizes[9] < message.size() * 3 / 4);
    sender.setLevel(42);
    QCOMPARE(sender.level(), 9);
}

void TestDeflate::levelChangeWaitsForMessageEnd()
{
    DeflateTuning tuning;
    tuning.level = 9;
    DeflateCodec sender(Role::Client, {}, tuning);
    DeflateCodec receiver(Role::Server, {});
    const std::string piece = text(50000, 22);

    // A change between two pieces of a message applies from the next message.
    std::string first;
    std::string second;
    QCOMPARE(sender.compress(piece, false, first), Error::None);
    sender.setLevel(0);
    QCOMPARE(sender.compress(piece, true, second), Error::None);
    QVERIFY(second.size() < piece.size() / 2);
    std::string out;
    QCOMPARE(receiver.decompress(first, false, 0, out), Error::None);
    QCOMPARE(receiver.decompress(second, true, 0, out), Error::None);
    QVERIFY(out == piece + piece);

    const std::string stored = compressMessage(sender, piece);
    QVERIFY(stored.size() >= piece.size());
    out.clear();
    QCOMPARE(receiver.decompress(stored, true, 0, out), Error::None);
    QVERIFY(out == piece);
}

void TestDeflate::emptyMessages()
{
    for (bool noTakeover : {false, true}) {
        const DeflateParameters parameters = noTakeover ? noTakeoverFor(Role::Server) : DeflateParameters{};
        DeflateCodec sender(Role::Server, parameters);
        DeflateCodec receiver(Role::Client, parameters);
        // An empty message is an empty stored block's header byte, whether or not a
        // message came before it.
        for (std::string_view message : {"", "Hello", "", "", "Hello"}) {
            const std::string compressed = compressMessage(sender, message);
            if (message.empty())
                QCOMPARE(compressed, bytes({0x00}));
            std::string out;
            QCOMPARE(receiver.decompress(compressed, true, 0, out), Error::None);
            QCOMPARE(out, std::string(message));
        }
    }
}

void TestDeflate::emptyLastFragment()
{
    // RFC 7692 §7.2.3.6: a sender that learns of the message's end with nothing left
    // to compress ends it with a frame holding 00.
    DeflateCodec sender(Role::Client, {});
    std::string first;
    std::string last;
    QCOMPARE(sender.compress("Hello", false, first), Error::None);
    QCOMPARE(sender.compress({}, true, last), Error::None);
    QCOMPARE(first, bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}));
    QCOMPARE(last, bytes({0x00}));

    DeflateCodec receiver(Role::Server, {});
    std::string out;
    QCOMPARE(receiver.decompress(first, false, 0, out), Error::None);
    QCOMPARE(receiver.decompress(last, true, 0, out), Error::None);
    // The next message still shares the window.
    const std::string next = compressMessage(sender, "Hello");
    QCOMPARE(next, bytes({0xf2, 0x00, 0x11, 0x00, 0x00}));
    QCOMPARE(receiver.decompress(next, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));
}

void TestDeflate::windowBits8_data()
{
    QTest::addColumn<Role>("sender");
    QTest::newRow("server") << Role::Server;
    QTest::newRow("client") << Role::Client;
}

void TestDeflate::windowBits8()
{
    QFETCH(Role, sender);

    // zlib cannot deflate with a 256-byte window; the codec then uses no back
    // references at all, so a receiver with exactly 256 bytes of window inflates it.
    DeflateParameters parameters;
    parameters.serverMaxWindowBits = 8;
    parameters.clientMaxWindowBits = 8;
    DeflateCodec codec(sender, parameters);
    DeflateCodec receiver(peerOf(sender), parameters);

    const std::string repeated(10000, 'a');
    const std::string compressed = compressMessage(codec, repeated);
    // Literals only: at least one bit per byte, where one match would take a few bytes.
    QVERIFY(compressed.size() >= repeated.size() / 8);
    std::string out;
    QCOMPARE(receiver.decompress(compressed, true, 0, out), Error::None);
    QVERIFY(out == repeated);

    // Still smaller than the input on text, across messages.
    for (int i = 0; i < 3; ++i) {
        const std::string message = text(50000, 20 + std::uint64_t(i));
        const std::string textCompressed = compressMessage(codec, message);
        QVERIFY(textCompressed.size() < message.size() * 3 / 4);
        std::string textOut;
        QCOMPARE(receiver.decompress(textCompressed, true, 0, textOut), Error::None);
        QVERIFY(textOut == message);
    }
}

void TestDeflate::zipBombStopsAtLimit_data()
{
    QTest::addColumn<int>("frameSize");
    QTest::newRow("one frame") << 0;
    QTest::newRow("frames of 100 bytes") << 100;
}

void TestDeflate::zipBombStopsAtLimit()
{
    QFETCH(int, frameSize);

    const std::size_t limit = 1024 * 1024;
    DeflateCodec sender(Role::Client, {});
    const std::string bomb = compressMessage(sender, std::string(10 * 1000 * 1000, '\0'));
    QVERIFY(bomb.size() < 20000);

    DeflateCodec receiver(Role::Server, {});
    std::string out;
    Error error = Error::None;
    const std::size_t step = frameSize == 0 ? bomb.size() : std::size_t(frameSize);
    std::size_t peakCapacity = 0;
    for (std::size_t offset = 0; offset < bomb.size() && error == Error::None; offset += step) {
        error = receiver.decompress(std::string_view(bomb).substr(offset, step), offset + step >= bomb.size(), limit,
                                    out);
        peakCapacity = std::max(peakCapacity, out.capacity());
    }
    QCOMPARE(error, Error::MessageTooBig);
    // Inflation stopped one byte past the limit, long before the 10 MB were produced.
    QCOMPARE(out.size(), limit + 1);
    QVERIFY(peakCapacity <= 2 * limit + 64 * 1024);
}

void TestDeflate::limitIsExact()
{
    const std::string message = text(100000, 30);
    DeflateCodec sender(Role::Server, noTakeoverFor(Role::Server));
    const std::string compressed = compressMessage(sender, message);

    DeflateCodec fits(Role::Client, noTakeoverFor(Role::Server));
    std::string out;
    QCOMPARE(fits.decompress(compressed, true, message.size(), out), Error::None);
    QVERIFY(out == message);

    DeflateCodec tooSmall(Role::Client, noTakeoverFor(Role::Server));
    out.clear();
    QCOMPARE(tooSmall.decompress(compressed, true, message.size() - 1, out), Error::MessageTooBig);
}

void TestDeflate::corruptData_data()
{
    QTest::addColumn<std::string>("payload");

    // Block type 11 is reserved (RFC 1951 §3.2.3).
    QTest::newRow("reserved block type") << bytes({0x07, 0x00});
    QTest::newRow("random bytes") << bytes({0xff, 0xff, 0xff, 0xff, 0xff});
    // A stored block whose NLEN is not the complement of LEN.
    QTest::newRow("stored length mismatch") << bytes({0x00, 0x05, 0x00, 0x00, 0x00, 0x48});
    // §7.2.3.2's second message without the first: a distance before the start.
    QTest::newRow("distance too far back") << bytes({0xf2, 0x00, 0x11, 0x00, 0x00});
    // A message must end on a block boundary once its tail is restored: a final
    // block without the empty stored block's header after it leaves the tail as the
    // start of a broken stored block, and so does an empty payload.
    QTest::newRow("bfinal without trailer") << bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    QTest::newRow("empty payload") << std::string();
    // The tail not removed by the sender.
    QTest::newRow("tail kept") << bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff});
    // A compressed block cut in the middle.
    QTest::newRow("truncated block") << bytes({0xf2, 0x48, 0xcd});
}

void TestDeflate::corruptData()
{
    QFETCH(std::string, payload);
    for (Role role : {Role::Client, Role::Server}) {
        DeflateCodec codec(role, {});
        std::string out;
        QCOMPARE(codec.decompress(payload, true, 0, out), Error::InvalidCompressedData);
        // The same bytes fed one at a time fail the same way.
        DeflateCodec pieces(role, {});
        out.clear();
        Error error = Error::None;
        for (std::size_t i = 0; i < payload.size() && error == Error::None; ++i)
            error = pieces.decompress(payload.substr(i, 1), false, 0, out);
        if (error == Error::None)
            error = pieces.decompress({}, true, 0, out);
        QCOMPARE(error, Error::InvalidCompressedData);
    }
}

void TestDeflate::bfinalBlockKeepsWindow()
{
    // A final block, then a new block referring back into it (distance 5, length 5),
    // in one message and across two.
    const std::string finalHello = bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    const std::string backReference = bytes({0xf2, 0x00, 0x11, 0x00, 0x00});

    DeflateCodec oneMessage(Role::Client, {});
    std::string out;
    QCOMPARE(oneMessage.decompress(finalHello + backReference, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));

    DeflateCodec twoMessages(Role::Client, {});
    out.clear();
    QCOMPARE(twoMessages.decompress(finalHello + bytes({0x00}), true, 0, out), Error::None);
    QCOMPARE(twoMessages.decompress(backReference, true, 0, out), Error::None);
    QCOMPARE(out, std::string("HelloHello"));
}

void TestDeflate::emptyFinalBlocksCostConstantWork()
{
    // 03 00 is an empty block with BFINAL set: each ends a DEFLATE stream and makes
    // the inflater start a new one that keeps the window. 200 KB of them, after a
    // message that filled most of the 32 KiB window, inflate to nothing; the work must not
    // grow with the window: no window copied, no heap per block, one zlib call per
    // block at most.
    const std::string filler = randomBytes(30000, 40);
    DeflateCodec sender(Role::Client, {});
    DeflateCodec receiver(Role::Server, {});
    std::string out;
    QCOMPARE(receiver.decompress(compressMessage(sender, filler), true, 0, out), Error::None);
    QVERIFY(out == filler);

    constexpr std::size_t blocks = 100000;
    std::string emptyBlocks;
    for (std::size_t i = 0; i < blocks; ++i)
        emptyBlocks += bytes({0x03, 0x00});
    emptyBlocks += bytes({0x00}); // the header of the empty stored block the tail ends

    for (bool inPieces : {false, true}) {
        out.clear();
        Work::inflateCalls = Work::windowBytesCopied = Work::heapBytes = 0;
        Work::counting = true;
        Error error = Error::None;
        // Whole, or in 1000-byte frames as a fragmented message would arrive.
        const std::size_t piece = inPieces ? 1000 : emptyBlocks.size();
        for (std::size_t offset = 0; offset < emptyBlocks.size() && error == Error::None; offset += piece)
            error = receiver.decompress(std::string_view(emptyBlocks).substr(offset, piece),
                                        offset + piece >= emptyBlocks.size(), 0, out);
        Work::counting = false;
        QCOMPARE(error, Error::None);
        QCOMPARE(out.size(), std::size_t(0));
        QCOMPARE(Work::windowBytesCopied, std::size_t(0));
        QVERIFY(Work::inflateCalls > 0); // the stand-ins were called
        QVERIFY2(Work::inflateCalls <= blocks + 2 * (emptyBlocks.size() / piece + 2),
                 qPrintable(QString::number(Work::inflateCalls)));
        // The output room, allocated once: nothing per block.
        QVERIFY2(Work::heapBytes <= 64 * 1024, qPrintable(QString::number(Work::heapBytes)));

        // The window survived every restart: the filler again refers back to it.
        const std::string again = compressMessage(sender, filler);
        QVERIFY(again.size() < filler.size() / 10);
        out.clear();
        QCOMPARE(receiver.decompress(again, true, 0, out), Error::None);
        QVERIFY(out == filler);
    }
}

QTEST_APPLESS_MAIN(TestDeflate)
#include "tst_deflate.moc"
