// Tests of sluice/core/snowflake.hpp and sluice/core/errc.hpp.
#include <sluice/core/errc.hpp>
#include <sluice/core/snowflake.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

using sluice::snowflake;
using sluice::snowflake_generator;
using namespace std::string_view_literals;

namespace {
// The example id from Discord's API reference.
constexpr snowflake example{175928847299117063ull};

constexpr bool parses(std::string_view s, std::uint64_t want) {
    std::uint64_t v = 0;
    return sluice::detail::parse_snowflake(s, v) == 0 && v == want;
}
} // namespace

// Compile-time checks: the field layout and formatting are constexpr.
static_assert(example.timestamp_ms() == 1462015105796);
static_assert(example.worker() == 1 && example.process() == 0 && example.increment() == 7);
static_assert(sluice::to_chars(example).view() == "175928847299117063");
static_assert(parses("175928847299117063", 175928847299117063ull));
static_assert(std::is_trivially_copyable_v<snowflake> && sizeof(snowflake) == 8);

TEST_SUITE("unit") {

TEST_CASE("core_errc: category, messages and coarse conditions") {
    using sluice::condition;
    using sluice::core_errc;
    std::error_code ec = core_errc::table_full;
    CHECK(std::string(ec.category().name()) == "sluice.core");
    CHECK(ec.message() == "pending table is full");
    CHECK(ec == condition::limit_exceeded);
    CHECK(ec != condition::misuse);
    CHECK(std::error_code(core_errc::duplicate_key) == condition::misuse);
    CHECK(std::error_code(core_errc::unknown_key) == condition::invalid_data);
    CHECK(std::error_code(core_errc::rate_limited) == condition::limit_exceeded);
    CHECK(std::error_code(core_errc::gave_up) == condition::limit_exceeded);
    CHECK(std::error_code(core_errc::invalid_snowflake) == condition::invalid_data);
    CHECK(std::error_code(core_errc::snowflake_out_of_range) == condition::invalid_data);
    CHECK(std::error_code(core_errc::buffer_too_small) == condition::misuse);
    CHECK(std::error_code(core_errc::invalid_config) == condition::misuse);
    // Every code has its own message, and one category object is shared.
    for (const auto& e : sluice::detail::core_errc_table) {
        const std::error_code c = e.code;
        CHECK(c.message() == std::string(e.message));
        CHECK(&c.category() == &sluice::core_category());
        CHECK(c.default_error_condition() == sluice::make_error_condition(e.coarse));
    }
    CHECK(std::error_code(999, sluice::core_category()).message() == "unknown error");
}

TEST_CASE("snowflake: fields, from_parts, ordering") {
    CHECK(example.value() == 175928847299117063ull);
    CHECK(snowflake().value() == 0);
    CHECK(snowflake().timestamp_ms() == snowflake::discord_epoch_ms);

    const snowflake s = snowflake::from_parts(1462015105796, 1, 0, 7);
    CHECK(s == example);
    const snowflake all = snowflake::from_parts(1700000000000, 31, 17, 4095);
    CHECK(all.timestamp_ms() == 1700000000000);
    CHECK(all.worker() == 31);
    CHECK(all.process() == 17);
    CHECK(all.increment() == 4095);
    // Oversized fields keep their low bits and never spill into neighbours.
    const snowflake masked = snowflake::from_parts(1700000000000, 32 + 3, 64 + 5, 4096 + 9);
    CHECK(masked.worker() == 3);
    CHECK(masked.process() == 5);
    CHECK(masked.increment() == 9);
    CHECK(masked.timestamp_ms() == 1700000000000);
    // Timestamps are clamped to the representable range.
    CHECK(snowflake::from_parts(0).value() == 0);
    CHECK(snowflake::from_parts(-5).value() == 0);
    CHECK(snowflake::from_parts(snowflake::discord_epoch_ms).value() == 0);
    const snowflake top = snowflake::from_parts(INT64_MAX, 31, 31, 4095);
    CHECK(top.value() == UINT64_MAX);
    CHECK(top.timestamp_ms() == snowflake::discord_epoch_ms + static_cast<std::int64_t>(snowflake::max_timestamp));
    // Ordering follows creation time, then the lower fields.
    CHECK(snowflake::from_parts(1000 + snowflake::discord_epoch_ms) < snowflake::from_parts(1001 + snowflake::discord_epoch_ms));
    CHECK(snowflake::from_parts(1700000000000, 0, 0, 1) > snowflake::from_parts(1700000000000, 0, 0, 0));
    CHECK(snowflake(5) == snowflake(5));
    CHECK(snowflake(5) != snowflake(6));
    CHECK((snowflake(5) <=> snowflake(6)) < 0);
}

TEST_CASE("snowflake: to_chars inline and into a caller buffer") {
    CHECK(sluice::to_chars(snowflake(0)).view() == "0");
    CHECK(sluice::to_chars(snowflake(9)).view() == "9");
    CHECK(sluice::to_chars(snowflake(10)).view() == "10");
    CHECK(sluice::to_chars(snowflake(UINT64_MAX)).view() == "18446744073709551615");
    const auto c = sluice::to_chars(example);
    CHECK(c.size() == 18);
    CHECK(std::string_view(c.data(), c.size()) == "175928847299117063");
    std::string_view as_view = c;
    CHECK(as_view == "175928847299117063");

    char buf[32];
    auto r = sluice::to_chars(buf, buf + sizeof buf, example);
    CHECK(!r.ec);
    CHECK(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)) == "175928847299117063");
    // Exactly large enough.
    r = sluice::to_chars(buf, buf + 20, snowflake(UINT64_MAX));
    CHECK(!r.ec);
    CHECK(r.ptr == buf + 20);
    CHECK(std::string_view(buf, 20) == "18446744073709551615");
    // One short: error, nothing written.
    for (char& ch : buf) ch = 'x';
    r = sluice::to_chars(buf, buf + 19, snowflake(UINT64_MAX));
    CHECK(r.ec == sluice::core_errc::buffer_too_small);
    CHECK(r.ec == sluice::condition::misuse);
    CHECK(r.ptr == buf + 19);
    CHECK(buf[0] == 'x');
    r = sluice::to_chars(buf, buf, snowflake(0));
    CHECK(r.ec == sluice::core_errc::buffer_too_small);
}

TEST_CASE("snowflake: from_chars accepts digits only and checks overflow") {
    snowflake out(42);
    CHECK(!sluice::from_chars("175928847299117063", out));
    CHECK(out == example);
    CHECK(!sluice::from_chars("0", out));
    CHECK(out.value() == 0);
    CHECK(!sluice::from_chars("18446744073709551615", out));
    CHECK(out.value() == UINT64_MAX);
    CHECK(!sluice::from_chars("0000000000000000000000000000000123", out)); // leading zeros: lenient
    CHECK(out.value() == 123);
    CHECK(!sluice::from_chars("00018446744073709551615", out));
    CHECK(out.value() == UINT64_MAX);

    struct bad {
        std::string_view text;
        sluice::core_errc err;
    };
    const bad cases[] = {
        {""sv, sluice::core_errc::invalid_snowflake},
        {"-1"sv, sluice::core_errc::invalid_snowflake},
        {"+1"sv, sluice::core_errc::invalid_snowflake},
        {" 1"sv, sluice::core_errc::invalid_snowflake},
        {"1 "sv, sluice::core_errc::invalid_snowflake},
        {"12a"sv, sluice::core_errc::invalid_snowflake},
        {"1e3"sv, sluice::core_errc::invalid_snowflake},
        {"1.0"sv, sluice::core_errc::invalid_snowflake},
        {"0x10"sv, sluice::core_errc::invalid_snowflake},
        {"\"1\""sv, sluice::core_errc::invalid_snowflake},
        {"1\0"sv, sluice::core_errc::invalid_snowflake},
        {"18446744073709551616"sv, sluice::core_errc::snowflake_out_of_range},
        {"18446744073709551620"sv, sluice::core_errc::snowflake_out_of_range},
        {"99999999999999999999"sv, sluice::core_errc::snowflake_out_of_range},
        {"184467440737095516150"sv, sluice::core_errc::snowflake_out_of_range},
        {"1000000000000000000000000000000"sv, sluice::core_errc::snowflake_out_of_range},
        {"99999999999999999999x"sv, sluice::core_errc::invalid_snowflake}, // a bad character wins over overflow
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        snowflake keep(7);
        const std::error_code ec = sluice::from_chars(c.text, keep);
        CHECK(ec == c.err);
        CHECK(ec == sluice::condition::invalid_data);
        CHECK(keep.value() == 7); // unchanged on error
    }
}

TEST_CASE("snowflake: to_chars/from_chars round trip (randomized)") {
    sluice_test::test_rng rng{0x5f1a};
    for (int i = 0; i < 20000; ++i) {
        std::uint64_t v = rng.next();
        v >>= rng.below(64); // every digit count
        const snowflake s(v);
        const auto text = sluice::to_chars(s);
        CHECK(text.view() == std::to_string(v));
        snowflake back;
        REQUIRE(!sluice::from_chars(text, back));
        CHECK(back == s);
    }
}

TEST_CASE("snowflake: the word-at-a-time parser agrees with the digit loop") {
    // Every length the word path takes (8..19), with digits, near-digits
    // (/ : and bytes whose +6 carries) and random bytes at random places.
    if constexpr (std::endian::native == std::endian::little) {
        sluice_test::test_rng rng{0x51f7};
        const char specials[] = {'/', ':', '\0', '\x7f', '\xfa', '\xff', ' ', '0', '9', '\xb0', '\xb9'};
        std::string buf;
        for (int i = 0; i < 200000; ++i) {
            const std::size_t n = 8 + rng.below(12);
            buf.assign(n, '0');
            for (char& c : buf) c = static_cast<char>('0' + rng.below(10));
            const std::size_t bad = rng.below(4); // 0..3 non-digits, often none
            for (std::size_t k = 0; k < bad && rng.below(2); ++k)
                buf[rng.below(n)] = rng.below(2) ? specials[rng.below(sizeof specials)] : static_cast<char>(rng.next());
            std::uint64_t a = 1, b = 1;
            const int ea = sluice::detail::parse_snowflake_words(buf, a);
            const int eb = sluice::detail::parse_snowflake_digits(buf, b);
            CAPTURE(buf);
            REQUIRE(ea == eb);
            REQUIRE(a == b);
        }
        for (std::uint64_t v : {10000000ull, 99999999ull, 1234567890123456ull, 9999999999999999ull, 10000000000000000ull,
                                9999999999999999999ull, 1176296352211234816ull}) {
            const auto text = sluice::to_chars(snowflake(v));
            std::uint64_t a = 0;
            REQUIRE(sluice::detail::parse_snowflake_words(text.view(), a) == 0);
            CHECK(a == v);
        }
    }
}

TEST_CASE("snowflake: the quoted fast path agrees with from_chars on the string (randomized)") {
    // Strings of 0..22 digits (sometimes with a non-digit inside), then a
    // quote or another byte, inside texts that end right after or up to 40
    // bytes later (the short-tail copy): whenever from_quoted_chars answers,
    // the general path (the string up to its quote, then from_chars) must
    // give the same end and value.
    sluice_test::test_rng rng{0x9a0f};
    const char others[] = {'"', '\\', '/', ':', 'a', '\0', '\x80', '0', '9', ' '};
    std::string text;
    int fast = 0;
    for (int i = 0; i < 200000; ++i) {
        const std::size_t n = rng.below(4) == 0 ? rng.below(23) : 16 + rng.below(4);
        text.clear();
        for (std::size_t k = 0; k < n; ++k) text.push_back(static_cast<char>('0' + rng.below(10)));
        if (n != 0 && rng.below(8) == 0) text[rng.below(n)] = others[rng.below(sizeof others)];
        text.push_back(rng.below(6) != 0 ? '"' : others[rng.below(sizeof others)]);
        const std::size_t tail = rng.below(3) == 0 ? 0 : rng.below(41);
        for (std::size_t k = 0; k < tail; ++k) text.push_back(rng.below(2) ? '"' : static_cast<char>(rng.next()));
        const char* const first = text.data();
        const char* const end = first + text.size();
        snowflake got{7};
        const char* q = sluice::from_quoted_chars(first, end, got);
        CAPTURE(text);
        if (!q) {
            CHECK(got == snowflake{7}); // unchanged
            continue;
        }
        ++fast;
        const std::size_t close = text.find_first_of("\"\\");
        REQUIRE(close != std::string::npos);
        REQUIRE(text[close] == '"');
        snowflake want;
        REQUIRE(!sluice::from_chars(std::string_view(text).substr(0, close), want));
        CHECK(q == first + close + 1);
        CHECK(got == want);
    }
#if defined(__SSE4_1__)
    CHECK(fast > 50000); // the fast path is taken where it exists
#else
    CHECK(fast == 0);
#endif
}

TEST_CASE("snowflake_generator: increments within a millisecond, resets on the next") {
    snowflake_generator g(1, 2);
    CHECK(g.last() == snowflake());
    CHECK(g.worker() == 1);
    CHECK(g.process() == 2);
    const std::int64_t t = 1700000000000;
    const snowflake a = g.next(t);
    CHECK(a.timestamp_ms() == t);
    CHECK(a.worker() == 1);
    CHECK(a.process() == 2);
    CHECK(a.increment() == 0);
    const snowflake b = g.next(t);
    CHECK(b.timestamp_ms() == t);
    CHECK(b.increment() == 1);
    CHECK(g.next(t).increment() == 2);
    const snowflake c = g.next(t + 1);
    CHECK(c.timestamp_ms() == t + 1);
    CHECK(c.increment() == 0);
    CHECK(g.last() == c);
    CHECK(!g.exhausted());
    // Worker and process keep their low 5 bits only.
    snowflake_generator masked(33, 34);
    CHECK(masked.worker() == 1);
    CHECK(masked.process() == 2);
    CHECK(masked.next(t).worker() == 1);
}

TEST_CASE("snowflake_generator: 4096 ids in one millisecond advance the timestamp") {
    snowflake_generator g(3, 4);
    const std::int64_t t = 1700000000000;
    snowflake prev = g.next(t);
    for (int i = 1; i < 4096; ++i) {
        const snowflake s = g.next(t);
        CHECK(s > prev);
        prev = s;
    }
    CHECK(prev.timestamp_ms() == t);
    CHECK(prev.increment() == 4095);
    const snowflake wrapped = g.next(t);
    CHECK(wrapped.timestamp_ms() == t + 1);
    CHECK(wrapped.increment() == 0);
    CHECK(wrapped.worker() == 3);
    CHECK(wrapped.process() == 4);
    // The real clock catching up to the borrowed millisecond continues from it.
    const snowflake next = g.next(t + 1);
    CHECK(next.timestamp_ms() == t + 1);
    CHECK(next.increment() == 1);
    CHECK(g.next(t + 2).increment() == 0);
}

TEST_CASE("snowflake_generator: the clock stepping back never makes an id go backwards") {
    snowflake_generator g;
    const std::int64_t t = 1700000000000;
    const snowflake a = g.next(t);
    const snowflake b = g.next(t - 60000); // NTP stepped back a minute
    CHECK(b > a);
    CHECK(b.timestamp_ms() == t);
    CHECK(b.increment() == 1);
    const snowflake c = g.next(0); // before the Discord epoch
    CHECK(c > b);
    // A generator fed a time before the epoch clamps to the epoch.
    snowflake_generator early;
    CHECK(early.next(0).value() == 0);
    CHECK(early.next(-1000).value() == 1);
    CHECK(early.next(snowflake::discord_epoch_ms + 1).timestamp_ms() == snowflake::discord_epoch_ms + 1);
}

TEST_CASE("snowflake_generator: exhausted at the end of the 42-bit timestamp") {
    snowflake_generator g(31, 31);
    const std::int64_t last_ms = snowflake::discord_epoch_ms + static_cast<std::int64_t>(snowflake::max_timestamp);
    snowflake s = g.next(last_ms);
    CHECK(s.timestamp_ms() == last_ms);
    for (int i = 0; i < 4095; ++i) s = g.next(INT64_MAX);
    CHECK(s.value() == UINT64_MAX);
    CHECK(!g.exhausted());
    CHECK(g.next(INT64_MAX).value() == UINT64_MAX);
    CHECK(g.exhausted());
    CHECK(g.next(last_ms).value() == UINT64_MAX);
}

TEST_CASE("snowflake_generator: strictly increasing and close to the clock (randomized)") {
    sluice_test::test_rng rng{0xf1a4e};
    for (int round = 0; round < 8; ++round) {
        const auto worker = static_cast<std::uint32_t>(rng.below(32));
        const auto process = static_cast<std::uint32_t>(rng.below(32));
        snowflake_generator g(worker, process);
        std::int64_t clock = 1600000000000 + static_cast<std::int64_t>(rng.below(1000000));
        std::int64_t max_clock = 0; // the latest clock reading passed to next()
        std::int64_t ids_since_max = 0; // ids made since the clock last reached a new maximum
        snowflake prev;
        bool first = true;
        for (int i = 0; i < 20000; ++i) {
            switch (rng.below(6)) {
            case 0: clock += static_cast<std::int64_t>(rng.below(5)); break;      // forward a little
            case 1: clock -= static_cast<std::int64_t>(rng.below(3000)); break;   // backwards
            case 2: clock += static_cast<std::int64_t>(rng.below(100000)); break; // a jump
            default: break;                                                       // a burst in the same ms
            }
            if (clock > max_clock) {
                max_clock = clock;
                ids_since_max = 0;
            }
            const snowflake s = g.next(clock);
            ++ids_since_max;
            if (!first) CHECK(s > prev);
            first = false;
            prev = s;
            CHECK(s.worker() == worker);
            CHECK(s.process() == process);
            // Never behind the latest clock reading, never ahead by more than
            // the milliseconds borrowed by bursts of 4096.
            CHECK(s.timestamp_ms() >= max_clock);
            CHECK(s.timestamp_ms() <= max_clock + ids_since_max / 4096);
        }
    }
}

TEST_CASE("snowflake: sizes") {
    MESSAGE("sizeof(snowflake) = " << sizeof(snowflake) << ", sizeof(snowflake_generator) = " << sizeof(snowflake_generator)
                                   << ", sizeof(snowflake_chars) = " << sizeof(sluice::snowflake_chars));
    CHECK(sizeof(snowflake) == 8);
    CHECK(sizeof(snowflake_generator) == 16);
    sluice_test::allocation_counter alloc;
    snowflake_generator g;
    std::uint64_t sum = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto text = sluice::to_chars(g.next(1700000000000 + i / 3));
        snowflake back;
        sum += sluice::from_chars(text, back) ? 0 : back.value() & 1;
    }
    CHECK(alloc.count() == 0);
    CHECK(sum <= 1000);
}

} // TEST_SUITE
