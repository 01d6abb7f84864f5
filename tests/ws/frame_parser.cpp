// ws::frame_parser on its own, without a connection: a table of cases named
// by the section of RFC 6455 they come from.
#include <sluice/ws/frame.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "ws_test.hpp"

#include <string>
#include <vector>

using namespace sluice;
using ws_test::frame;

namespace {

/// Runs the parser over `pieces`; returns "H<op>[F]:<len>" for headers,
/// "P:<bytes>" for payload pieces (joined per frame), "E:<code>" for an error.
std::vector<std::string> parse_all(const std::vector<std::string_view>& pieces) {
    ws::frame_parser p;
    std::vector<std::string> out;
    std::string payload;
    for (std::string_view in : pieces) {
        for (;;) {
            const auto s = p.next(in);
            if (s.kind == ws::frame_parser::step_kind::need_more) break;
            if (s.kind == ws::frame_parser::step_kind::error) {
                out.push_back("E:" + p.error().message());
                return out;
            }
            if (s.kind == ws::frame_parser::step_kind::header)
                out.push_back("H" + std::to_string(int(p.header().op)) + (p.header().fin ? "F" : "") + ":" + std::to_string(p.header().length));
            if (s.kind == ws::frame_parser::step_kind::payload) payload.append(s.payload);
            if (s.frame_done) {
                out.push_back("P:" + payload);
                payload.clear();
            }
        }
    }
    return out;
}

std::string err(ws::errc e) { return "E:" + std::error_code(e).message(); }

struct rfc_case {
    const char* section;
    const char* name;
    std::string input;
    std::vector<std::string> expected;
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("frame_parser: RFC 6455 cases, whole and split at every byte") {
    const std::string big16(300, 'b'), big64(70000, 'c');
    const rfc_case cases[] = {
        {"5.2", "single text frame", frame(1, "Hello"), {"H1F:5", "P:Hello"}},
        {"5.2", "empty binary frame", frame(2, ""), {"H2F:0", "P:"}},
        {"5.2", "7-bit length 125", frame(2, std::string(125, 'a')), {"H2F:125", "P:" + std::string(125, 'a')}},
        {"5.2", "16-bit length", frame(2, big16), {"H2F:300", "P:" + big16}},
        {"5.2", "64-bit length", frame(2, big64), {"H2F:70000", "P:" + big64}},
        {"5.2", "16-bit length that fits 7 bits", frame(2, "abc", true, 0, false, 2), {err(ws::errc::non_minimal_length)}},
        {"5.2", "64-bit length that fits 16 bits", frame(2, big16, true, 0, false, 8), {err(ws::errc::non_minimal_length)}},
        {"5.2", "64-bit length with the top bit set", std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10), {err(ws::errc::length_msb_set)}},
        {"5.2", "RSV1 without an extension", frame(1, "x", true, 4), {err(ws::errc::reserved_bits)}},
        {"5.2", "RSV2", frame(1, "x", true, 2), {err(ws::errc::reserved_bits)}},
        {"5.2", "RSV3 on a ping", frame(9, "x", true, 1), {err(ws::errc::reserved_bits)}},
        {"5.2", "reserved data opcode 3", frame(3, "x"), {err(ws::errc::reserved_opcode)}},
        {"5.2", "reserved data opcode 7", frame(7, "x"), {err(ws::errc::reserved_opcode)}},
        {"5.2", "reserved control opcode 11", frame(11, "x"), {err(ws::errc::reserved_opcode)}},
        {"5.2", "reserved control opcode 15", frame(15, ""), {err(ws::errc::reserved_opcode)}},
        {"5.1", "a masked server frame", frame(1, "Hello", true, 0, true), {err(ws::errc::masked_frame)}},
        {"5.4", "fragmented text", frame(1, "Hel", false) + frame(0, "lo"), {"H1:3", "P:Hel", "H0F:2", "P:lo"}},
        {"5.4", "three fragments, an empty middle one", frame(2, "a", false) + frame(0, "", false) + frame(0, "b"),
         {"H2:1", "P:a", "H0:0", "P:", "H0F:1", "P:b"}},
        {"5.4", "control frame between fragments", frame(1, "Hel", false) + frame(9, "p") + frame(0, "lo"),
         {"H1:3", "P:Hel", "H9F:1", "P:p", "H0F:2", "P:lo"}},
        {"5.4", "continuation without a start", frame(0, "x"), {err(ws::errc::unexpected_continuation)}},
        {"5.4", "continuation after a finished message", frame(1, "a") + frame(0, "x"), {"H1F:1", "P:a", err(ws::errc::unexpected_continuation)}},
        {"5.4", "new text frame inside a fragmented message", frame(1, "a", false) + frame(1, "b"), {"H1:1", "P:a", err(ws::errc::expected_continuation)}},
        {"5.4", "new binary frame inside a fragmented message", frame(2, "a", false) + frame(2, "b", false),
         {"H2:1", "P:a", err(ws::errc::expected_continuation)}},
        {"5.5", "fragmented ping", frame(9, "x", false), {err(ws::errc::fragmented_control)}},
        {"5.5", "fragmented close", frame(8, "", false), {err(ws::errc::fragmented_control)}},
        {"5.5", "ping of 125 bytes", frame(9, std::string(125, 'p')), {"H9F:125", "P:" + std::string(125, 'p')}},
        {"5.5", "ping of 126 bytes", frame(9, std::string(126, 'p')), {err(ws::errc::control_too_long)}},
        {"5.5", "close of 126 bytes", frame(8, std::string(126, 'p')), {err(ws::errc::control_too_long)}},
        {"5.5.2", "ping then pong", frame(9, "a") + frame(10, "b"), {"H9F:1", "P:a", "H10F:1", "P:b"}},
        {"5.5.1", "close with a code", frame(8, "\x03\xe8" "bye"), {"H8F:5", "P:\x03\xe8" "bye"}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.section);
        CAPTURE(c.name);
        CHECK(parse_all({c.input}) == c.expected);
        if (c.input.size() > 400) continue;
        for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
            const std::string_view s = c.input;
            if (parse_all({s.substr(0, cut), s.substr(cut)}) != c.expected) {
                FAIL_CHECK("differs when split at " << cut);
                break;
            }
        }
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < c.input.size(); ++i) bytes.push_back(std::string_view(c.input).substr(i, 1));
        // Byte at a time, payload comes in pieces but joins to the same.
        CHECK(parse_all(bytes) == c.expected);
    }
}

TEST_CASE("frame_parser: a payload in the input comes in place, in one piece") {
    const std::string input = frame(2, "abcdef") + frame(1, "xyz");
    std::string_view in = input;
    ws::frame_parser p;
    auto s = p.next(in);
    REQUIRE(s.kind == ws::frame_parser::step_kind::header);
    CHECK(p.payload_remaining() == 6);
    s = p.next(in);
    REQUIRE(s.kind == ws::frame_parser::step_kind::payload);
    CHECK(s.payload == "abcdef");
    CHECK(s.payload.data() == input.data() + 2); // a view into the input, not a copy
    CHECK(s.frame_done);
    CHECK(in.size() == 5);
}

TEST_CASE("frame_parser: errors are sticky; reset starts over") {
    ws::frame_parser p;
    std::string bad = frame(3, "x");
    std::string_view in = bad;
    CHECK(p.next(in).kind == ws::frame_parser::step_kind::error);
    std::string good = frame(1, "ok");
    std::string_view in2 = good;
    CHECK(p.next(in2).kind == ws::frame_parser::step_kind::error);
    CHECK(p.error() == ws::errc::reserved_opcode);
    p.reset();
    CHECK_FALSE(p.error());
    CHECK(p.next(in2).kind == ws::frame_parser::step_kind::header);
}

TEST_CASE("frame_parser: errors are found as soon as the bytes that show them arrive") {
    // The masked bit is in byte 1: no need to wait for the rest of the header.
    ws::frame_parser p;
    std::string_view in("\x81", 1);
    CHECK(p.next(in).kind == ws::frame_parser::step_kind::need_more);
    std::string_view in2("\xFF", 1);
    CHECK(p.next(in2).kind == ws::frame_parser::step_kind::error);
    CHECK(p.error() == ws::errc::masked_frame);
}

TEST_CASE("frame_parser: next_whole_message takes exactly the frames next() gives whole, with the same header and payload") {
    // Random headers around the edges (every opcode, RSV and mask bits, 7-,
    // 16- and 64-bit lengths, minimal or not, short inputs, a fragmented
    // message in progress, a small payload limit): the fast path either
    // declines without consuming anything or agrees with next().
    sluice_test::test_rng rng{7};
    const auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng.next() % n); };
    std::size_t taken = 0, declined = 0, taken_binary = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string input;
        input += static_cast<char>(pick(4) == 0 ? pick(256) : (pick(8) == 0 ? 0x00 : 0x80) | (pick(4) == 0 ? 0x40 : 0) | (1 + pick(2)));
        const std::size_t form = pick(4);
        const std::size_t size = form == 0 ? pick(126) : form == 1 ? 100 + pick(400) : form == 2 ? pick(130) : 65536 + pick(10);
        const bool masked = pick(16) == 0;
        if (form == 0 || (form == 2 && size < 126 && pick(2) == 0)) {
            input += static_cast<char>((masked ? 0x80 : 0) | size);
        } else if (size <= 0xFFFF && form != 3) {
            input += static_cast<char>((masked ? 0x80 : 0) | 126);
            input += static_cast<char>(size >> 8);
            input += static_cast<char>(size & 0xFF);
        } else {
            input += static_cast<char>((masked ? 0x80 : 0) | 127);
            for (int i = 7; i >= 0; --i) input += static_cast<char>((size >> (8 * i)) & 0xFF);
        }
        for (std::size_t i = 0; i < size; ++i) input += static_cast<char>('a' + pick(26));
        input += "tail";
        input.resize(pick(4) == 0 ? pick(input.size() + 1) : input.size()); // sometimes cut short
        const std::size_t limit = pick(4) == 0 ? pick(600) : std::size_t{16} << 20;

        ws::frame_parser fast, slow;
        if (pick(8) == 0) { // a fragmented message in progress: only next() may go on
            const std::string first = frame(1, "ab", false);
            std::string_view a = first, b = first;
            while (fast.next(a).kind != ws::frame_parser::step_kind::need_more) {}
            while (slow.next(b).kind != ws::frame_parser::step_kind::need_more) {}
        }
        std::string_view in_fast = input, in_slow = input;
        std::string_view payload;
        if (!fast.next_whole_message(in_fast, limit, payload)) {
            ++declined;
            CHECK(in_fast.size() == input.size());
            CHECK_FALSE(fast.error());
            continue;
        }
        ++taken;
        taken_binary += fast.header().op == ws::opcode::binary;
        const auto h = slow.next(in_slow);
        REQUIRE(h.kind == ws::frame_parser::step_kind::header);
        CHECK(slow.header().fin);
        CHECK(slow.header().op == fast.header().op);
        CHECK(slow.header().length == fast.header().length);
        CHECK(payload.size() <= limit);
        if (h.frame_done) {
            CHECK(payload.empty());
        } else {
            const auto s = slow.next(in_slow);
            REQUIRE(s.kind == ws::frame_parser::step_kind::payload);
            CHECK(s.frame_done);
            CHECK(s.payload.data() == payload.data());
            CHECK(s.payload.size() == payload.size());
        }
        CHECK(in_slow.data() == in_fast.data());
        CHECK_FALSE(fast.in_message());
        CHECK(fast.payload_remaining() == 0);
    }
    CHECK(taken > 3000); // both sides of the test are exercised
    CHECK(declined > 3000);
    CHECK(taken_binary > 1000);
}

} // TEST_SUITE
