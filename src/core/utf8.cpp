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
    ClassCount
};

// States 0 and 1 are Utf8Validator's Accept and Reject.
enum State : std::uint8_t {
    Ok = 0,
    Bad = 1,
    Need1,    // one continuation byte left
    Need2,    // two left, any continuation
    Need2E0,  // after E0
    Need2ED,  // after ED
    Need3,    // three left, any continuation
    Need3F0,  // after F0
    Need3F4,  // after F4
    StateCount
};

constexpr std::array<std::uint8_t, 256> makeClasses()
{
    std::array<std::uint8_t, 256> classes{};
    for (int b = 0; b < 256; ++b) {
        ByteClass c = Never;
        if (b <= 0x7f) c = Ascii;
        else if (b <= 0x8f) c = Cont80;
        else if (b <= 0x9f) c = Cont90;
        else if (b <= 0xbf) c = ContA0;
        else if (b <= 0xc1) c = Never;
        else if (b <= 0xdf) c = Lead2;
        else if (b == 0xe0) c = LeadE0;
        else if (b == 0xed) c = LeadED;
        else if (b <= 0xef) c = Lead3;
        else if (b == 0xf0) c = LeadF0;
        else if (b <= 0xf3) c = Lead4;
        else if (b == 0xf4) c = LeadF4;
        classes[static_cast<std::size_t>(b)] = c;
    }
    return classes;
}

constexpr std::array<std::uint8_t, StateCount * ClassCount> makeTransitions()
{
    std::array<std::uint8_t, StateCount * ClassCount> next{};
    for (auto &n : next)
        n = Bad;
    auto set = [&next](State from, ByteClass c, State to) { next[from * ClassCount + c] = to; };

    set(Ok, Ascii, Ok);
    set(Ok, Lead2, Need1);
    set(Ok, LeadE0, Need2E0);
    set(Ok, Lead3, Need2);
    set(Ok, LeadED, Need2ED);
    set(Ok, LeadF0, Need3F0);
    set(Ok, Lead4, Need3);
    set(Ok, LeadF4, Need3F4);

    for (ByteClass c : {Cont80, Cont90, ContA0}) {
        set(Need1, c, Ok);
        set(Need2, c, Need1);
        set(Need3, c, Need2);
    }
    set(Need2E0, ContA0, Need1);
    set(Need2ED, Cont80, Need1);
    set(Need2ED, Cont90, Need1);
    set(Need3F0, Cont90, Need2);
    set(Need3F0, ContA0, Need2);
    set(Need3F4, Cont80, Need2);
    return next;
}

constexpr auto byteClasses = makeClasses();
constexpr auto transitions = makeTransitions();

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

static_assert(Ok == 0 && Bad == 1, "the DFA's accept and reject states are the validator's");

bool Utf8Validator::feed(std::string_view bytes) noexcept
{
    if (m_state == Reject)
        return false;
    auto p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto end = p + bytes.size();
    std::uint8_t state = m_state;
    while (p != end) {
        if (state == Ok) {
            p = skipAscii(p, end);
            if (p == end)
                break;
        }
        // Run the DFA over the next block; text is mostly one script, so blocks of
        // multibyte characters stay on this path until ASCII returns.
        const auto stop = end - p > 16 ? p + 16 : end;
        for (; p != stop; ++p) {
            state = transitions[state * ClassCount + byteClasses[*p]];
            if (state == Bad) {
                m_state = Reject;
                return false;
            }
        }
    }
    m_state = state;
    return true;
}

bool isValidUtf8(std::string_view bytes) noexcept
{
    Utf8Validator validator;
    return validator.feed(bytes) && validator.isComplete();
}

} // namespace WsKit::Core
