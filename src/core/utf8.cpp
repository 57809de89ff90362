#include <WsKit/Core/utf8.h>

#include <array>
#include <cstring>

namespace WsKit::Core {

namespace {

// A DFA over byte classes (RFC 3629 §4). Each state says which bytes may come next,
// so the validator rejects at the first byte that rules out valid text: an
// overlong, a surrogate (ED A0-BF), a code point above U+10FFFF (F4 90-BF) or a
// byte that never appears in UTF-8 (C0, C1, F5-FF) fails where it stands.

enum ByteClass : std::uint8_t {
    Ascii,      // 00-7F
    Cont80,     // 80-8F
    Cont90,     // 90-9F
    ContA0,     // A0-BF
    Never,      // C0, C1, F5-FF
    Lead2,      // C2-DF
    LeadE0,     // E0: second byte A0-BF (no overlongs)
    Lead3,      // E1-EC, EE, EF
    LeadED,     // ED: second byte 80-9F (no surrogates)
    LeadF0,     // F0: second byte 90-BF (no overlongs)
    Lead4,      // F1-F3
    LeadF4,     // F4: second byte 80-8F (nothing above U+10FFFF)
};

enum State : std::uint8_t {
    Ok,
    Bad,      // absorbing: every byte leads back here
    Need1,    // one continuation byte left
    Need2,    // two left, any continuation
    Need2E0,  // after E0
    Need2ED,  // after ED
    Need3,    // three left, any continuation
    Need3F0,  // after F0
    Need3F4,  // after F4
    StateCount
};

constexpr ByteClass classOf(int b)
{
    if (b <= 0x7f) return Ascii;
    if (b <= 0x8f) return Cont80;
    if (b <= 0x9f) return Cont90;
    if (b <= 0xbf) return ContA0;
    if (b <= 0xc1) return Never;
    if (b <= 0xdf) return Lead2;
    if (b == 0xe0) return LeadE0;
    if (b == 0xed) return LeadED;
    if (b <= 0xef) return Lead3;
    if (b == 0xf0) return LeadF0;
    if (b <= 0xf3) return Lead4;
    if (b == 0xf4) return LeadF4;
    return Never;
}

constexpr State next(State from, ByteClass c)
{
    const bool continuation = c == Cont80 || c == Cont90 || c == ContA0;
    switch (from) {
    case Ok:
        switch (c) {
        case Ascii: return Ok;
        case Lead2: return Need1;
        case LeadE0: return Need2E0;
        case Lead3: return Need2;
        case LeadED: return Need2ED;
        case LeadF0: return Need3F0;
        case Lead4: return Need3;
        case LeadF4: return Need3F4;
        default: return Bad;
        }
    case Need1: return continuation ? Ok : Bad;
    case Need2: return continuation ? Need1 : Bad;
    case Need3: return continuation ? Need2 : Bad;
    case Need2E0: return c == ContA0 ? Need1 : Bad;
    case Need2ED: return c == Cont80 || c == Cont90 ? Need1 : Bad;
    case Need3F0: return c == Cont90 || c == ContA0 ? Need2 : Bad;
    case Need3F4: return c == Cont80 ? Need2 : Bad;
    default: return Bad;
    }
}

// The DFA in "shift" form: a state is stored as 6 * its number, and the entry for
// a byte packs the next state (as a shift) for every current state into 6-bit
// fields, so one step is `rows[byte] >> state`. The step depends on the previous
// state only through a shift, which keeps the per-byte dependency chain short.
constexpr int StateBits = 6;
static_assert(StateCount * StateBits <= 64, "the states must fit one 64-bit row");

constexpr std::array<std::uint64_t, 256> makeRows()
{
    std::array<std::uint64_t, 256> rows{};
    for (int b = 0; b < 256; ++b) {
        std::uint64_t row = 0;
        for (int s = 0; s < StateCount; ++s) {
            const auto to = std::uint64_t(next(State(s), classOf(b))) * StateBits;
            row |= to << (s * StateBits);
        }
        rows[std::size_t(b)] = row;
    }
    return rows;
}

constexpr auto rows = makeRows();
constexpr std::uint64_t ShiftMask = 63;
constexpr std::uint64_t OkShift = Ok * StateBits;
constexpr std::uint64_t BadShift = Bad * StateBits;

constexpr std::uint64_t highBits = 0x8080808080808080ull;

// Skips whole 16-byte blocks of ASCII; returns where the first non-ASCII block starts.
const unsigned char *skipAscii(const unsigned char *p, const unsigned char *end) noexcept
{
    while (end - p >= 16) {
        std::uint64_t a;
        std::uint64_t b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        if (((a | b) & highBits) != 0)
            break;
        p += 16;
    }
    return p;
}

} // namespace

bool Utf8Validator::feed(std::string_view bytes) noexcept
{
    static_assert(Accept == OkShift && Reject == BadShift, "the validator stores DFA shifts");
    if (m_state == Reject)
        return false;
    auto p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto end = p + bytes.size();
    std::uint64_t state = m_state;
    while (p != end) {
        if ((state & ShiftMask) == OkShift) {
            p = skipAscii(p, end);
            if (p == end)
                break;
        }
        // Run the DFA over the next block. Bad is absorbing, so checking once per
        // block still fails the feed() that holds the first bad byte.
        const auto stop = end - p > 32 ? p + 32 : end;
        for (; p != stop; ++p)
            state = rows[*p] >> (state & ShiftMask);
        if ((state & ShiftMask) == BadShift) {
            m_state = Reject;
            return false;
        }
    }
    m_state = std::uint8_t(state & ShiftMask);
    return true;
}

bool isValidUtf8(std::string_view bytes) noexcept
{
    Utf8Validator validator;
    return validator.feed(bytes) && validator.isComplete();
}

} // namespace WsKit::Core
