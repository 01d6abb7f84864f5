#pragma once
// Scripts shared by the zlib-stream and zstd-stream tests (zlib.cpp,
// zstd.cpp): a session through a compressing wrapper, and the allocation
// check. `Server` compresses one payload a call into the connection's stream
// (std::string operator()(std::string_view)); a new Server is a new stream.
#include "harness.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace test_dc {

inline std::string numbered_update(int seq) {
    std::string frame = sluice_test::read_vector("discord/message_update.json");
    frame.replace(frame.find("\"s\":") + 4, 4, std::to_string(seq));
    return frame;
}

/// start, hello, identify, READY split over three messages, dispatches that
/// reference earlier payloads, a text message passed through, `corrupt`
/// (a malformed-frame notice, close 4000, error() == `corrupt_error`), then
/// the resume on a new connection with a new stream. `url` is the first open
/// action's URL.
template <class Server, class Bot>
void check_session(Bot& bot, std::string_view url, std::string_view corrupt, std::error_code corrupt_error) {
    REQUIRE_FALSE(bot.inner().start(at_ms(0)));
    auto o = drain(bot);
    REQUIRE(o.size() == 1);
    CHECK(o[0].a.op == transport_op::open);
    CHECK(o[0].bytes == url);
    REQUIRE_FALSE(bot.on_open(at_ms(0)));
    Server server;
    CHECK_FALSE(bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0)));
    auto id = drain(bot);
    REQUIRE(id.size() == 1);
    CHECK(id[0].bytes.rfind("{\"op\":2", 0) == 0);
    // READY split over three binary messages.
    const std::string ready = server(sluice_test::read_vector("discord/ready.json"));
    const std::size_t third = ready.size() / 3;
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(0, third), message_type::binary, at_ms(1)));
    CHECK(bot.partial());
    CHECK(drain(bot).empty());
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(third, third), message_type::binary, at_ms(1)));
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(2 * third), message_type::binary, at_ms(1)));
    CHECK_FALSE(bot.partial());
    auto r = drain(bot);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == gw::action_kind::ready);
    // The context carries over: later payloads reference earlier ones (and
    // compress to a fraction of the first).
    const std::string first = server(numbered_update(3));
    CHECK_FALSE(bot.on_message(first, message_type::binary, at_ms(2)));
    CHECK(drain(bot).at(0).a.seq == 3u);
    for (int i = 4; i < 7; ++i) {
        const std::string z = server(numbered_update(i));
        CHECK(z.size() * 3 < first.size());
        CHECK_FALSE(bot.on_message(z, message_type::binary, at_ms(2)));
        auto d = drain(bot);
        REQUIRE(d.size() == 1);
        CHECK(d[0].a.kind == gw::action_kind::dispatch);
        CHECK(d[0].a.seq == static_cast<unsigned>(i));
    }
    // Text messages pass through.
    CHECK_FALSE(bot.on_message(sluice_test::read_vector("discord/heartbeat_ack.json"), message_type::text, at_ms(3)));
    CHECK(drain(bot).empty());

    // Corrupt data: a malformed-frame notice and a resumable close...
    CHECK_FALSE(bot.on_message(corrupt, message_type::binary, at_ms(4)));
    CHECK(bot.error() == corrupt_error);
    CHECK(bot.error() == sluice::condition::invalid_data);
    auto bad = drain(bot);
    REQUIRE(bad.size() == 2);
    CHECK(bad[0].a.error == gw::errc::malformed_frame);
    CHECK(bad[1].a.close_code == 4000);
    // ...and the next connection starts a fresh stream, asked for again.
    REQUIRE_FALSE(bot.on_close({std::uint16_t{4000}, {}}, at_ms(5)));
    bool asked = false;
    for (const auto& e : drain(bot))
        if (e.a.op == transport_op::open) asked = e.bytes.find(url.substr(url.rfind('&'))) != std::string::npos;
    CHECK(asked);
    CHECK_FALSE(bot.error());
    REQUIRE_FALSE(bot.on_open(at_ms(6)));
    Server server2;
    CHECK_FALSE(bot.on_message(server2(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(6)));
    auto resume = drain(bot);
    REQUIRE(resume.size() == 1);
    CHECK(resume[0].bytes.rfind("{\"op\":6", 0) == 0);
    CHECK_FALSE(bot.on_message(server2(sluice_test::read_vector("discord/resumed.json")), message_type::binary, at_ms(7)));
    auto rs = drain(bot);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].a.kind == gw::action_kind::resumed);
}

/// After READY and two warm-up dispatches, 38 more (every other one split
/// over two messages) allocate nothing.
template <class Server, class Bot>
void check_no_allocation(Bot& bot) {
    bot.inner().start(at_ms(0));
    while (bot.poll()) {
    }
    bot.on_open(at_ms(0));
    Server server;
    bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0));
    bot.on_message(server(sluice_test::read_vector("discord/ready.json")), message_type::binary, at_ms(0));
    drain(bot);
    std::vector<std::string> compressed;
    for (int i = 0; i < 40; ++i) compressed.push_back(server(numbered_update(2000 + i)));
    for (int i = 0; i < 2; ++i) {
        bot.on_message(compressed[static_cast<std::size_t>(i)], message_type::binary, at_ms(1));
        while (bot.poll()) {
        }
    }
    sluice_test::allocation_counter n;
    for (std::size_t i = 2; i < compressed.size(); ++i) {
        const std::string_view z = compressed[i];
        if (i % 2 == 0) {
            bot.on_message(z, message_type::binary, at_ms(1));
        } else {
            bot.on_message(z.substr(0, z.size() / 2), message_type::binary, at_ms(1));
            bot.on_message(z.substr(z.size() / 2), message_type::binary, at_ms(1));
        }
        while (bot.poll()) {
        }
    }
    CHECK(n.count() == 0);
    CHECK(bot.inner().last_sequence() == 2039u);
}

} // namespace test_dc
