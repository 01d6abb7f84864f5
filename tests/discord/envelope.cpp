// The envelope fast path (discord::detail::read_envelope_fast) against the
// full reader: whenever the fast path accepts a frame it must agree with
// json::read on op, s, t and d, over hand-picked frames and random mutations.
#include <sluice/discord/policy.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

namespace dd = sluice::discord::detail;

// Returns true when the fast path accepted `text`; then checks it against the full reader.
bool agrees(std::string_view text) {
    dd::envelope fast;
    if (!dd::read_envelope_fast(text, fast)) return false;
    dd::envelope full;
    std::string without_d; // full's views point into it
    if (sluice::json::read(full, text)) {
        // Only d may be at fault: the fast path takes it unread (decoding checks it).
        REQUIRE(fast.d);
        const std::size_t at = static_cast<std::size_t>(fast.d->text.data() - text.data());
        without_d = std::string(text.substr(0, at)) + "null}";
        REQUIRE(!sluice::json::read(full, without_d));
        full.d = fast.d;
    }
    CHECK(fast.op == full.op);
    CHECK(fast.s == full.s);
    CHECK(fast.t == full.t);
    // The fast path keeps a null d as the text "null"; the reader empties the optional.
    const bool fast_has_d = fast.d && fast.d->text != "null";
    CHECK(fast_has_d == full.d.has_value());
    if (fast_has_d && full.d) CHECK(fast.d->text == full.d->text);
    return true;
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("discord envelope: the fast path agrees with the full reader") {
    const std::vector<std::string> accepted = {
        R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"id":"1"}})",
        R"({"t":null,"s":null,"op":11,"d":null})",
        R"({"op":11})",
        R"({ "op" : 11 })",
        R"({"s":7,"op":1})",
        R"({"t":"X","op":0})",
        R"({"t":null,"s":null,"op":9,"d":false})",
        // Sequences of every length the 8-digits-at-a-time path reads (1..15).
        R"({"t":"MESSAGE_UPDATE","s":1000000000,"op":0,"d":{"id":"1"}})",
        R"({"s":12345678,"t":"A","op":0,"d":[1]})",
        R"({"s":123456789012345,"op":0,"t":"B","d":{}})",
        R"({"t":"C","s":9999999,"op":0,"d":{"x":[]}})",
        // Discord's own dispatch shape (read_dispatch_shape) and its near misses.
        R"({"t":"MESSAGE_UPDATE","s":7,"op":0,"d":{"id":"1","x":"abcdefghijklmnop"}})",
        R"({"t":"MESSAGE_UPDATE","s":7,"op":0,"d": {"id":"1","x":"abcdefghijklmnop"}})",
        R"({"t":"","s":123456789012345,"op":0,"d":"a long string value here"})",
        R"({"t":"GUILD_CREATE","s":3,"op":0,"d":[1,2,3,4,5,6,7,8,9,10,11,12,13]} )",
        R"({"t":"X","s":3,"op":1,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1}})",
        R"({"t":"X","s":3,"op":0 ,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1}})",
        R"({"t":"X","s":null,"op":0,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1}})",
    };
    for (const auto& f : accepted) {
        CAPTURE(f);
        CHECK(agrees(f));
    }
    std::vector<std::string> seeds = accepted;
    seeds.push_back(R"({"t":"A","s":1234567890123456,"op":0,"d":{}})"); // 16 digits and more: the full reader's
    seeds.push_back(R"({"t":"C","s":18446744073709551615,"op":0,"d":{"x":[]}})");
    seeds.push_back(R"({"op":10,"d":{"heartbeat_interval":41250}})"); // d before t and s: the full reader's
    seeds.push_back(R"({"t":"A","s":1,"op":0,"d":"x\"y"})");
    seeds.push_back(R"({"t":"A\u0042","s":1,"op":0,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1}})");
    seeds.push_back(R"({"t":"A","s":01,"op":0,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1}})");
    seeds.push_back(R"({"t":"A","s":1,"op":0,"d":})");
    seeds.push_back(R"({"t":"A","s":1,"op":0,"d":{"aaaaaaaaaaaaaaaaaaaaaaaa":1})");
    // Shapes the fast path leaves to the full reader.
    for (std::string_view f : {R"({"t":null})", R"({"s":1})", R"({})", R"({"op":11,"op":12})", R"({"op":011})",
                               R"({"d":null,"op":11})", R"({"op":11,})", R"({"op":11 x})", R"({"o":11})",
                               R"({"t":"X","s":1,"o":0,"d":1})"}) {
        CAPTURE(f);
        dd::envelope e;
        CHECK(!dd::read_envelope_fast(f, e));
    }
    // Random single-byte mutations and truncations of the accepted frames.
    sluice_test::test_rng rng{0xe17e};
    const char alphabet[] = "{}[]\",:0123456789 -optsdnul\\x";
    for (int i = 0; i < 50000; ++i) {
        std::string f = seeds[rng.below(seeds.size())];
        const std::size_t edits = 1 + rng.below(3);
        for (std::size_t k = 0; k < edits && !f.empty(); ++k) {
            switch (rng.below(3)) {
            case 0: f[rng.below(f.size())] = alphabet[rng.below(sizeof alphabet - 1)]; break;
            case 1: f.erase(rng.below(f.size()), 1); break;
            default: f.insert(rng.below(f.size() + 1), 1, alphabet[rng.below(sizeof alphabet - 1)]); break;
            }
        }
        CAPTURE(f);
        agrees(f);
    }
}

} // TEST_SUITE
