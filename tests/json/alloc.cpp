// Reading the Discord MESSAGE_UPDATE fixture into string_view fields
// allocates nothing; into std::string fields, nothing once they have grown.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <sluice/json/read.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace json = sluice::json;

namespace {

template <class Str>
struct attachment {
    Str id, url, filename;
    std::uint64_t size;
    std::optional<int> width, height;
};
template <class Str>
struct user {
    Str id, username;
    std::optional<bool> bot;
};
template <class Str>
struct message {
    Str id, channel_id;
    std::optional<Str> guild_id;
    Str content;
    std::optional<Str> nonce;
    bool tts;
    std::optional<Str> edited_timestamp;
    user<Str> author;
    std::vector<attachment<Str>> attachments;
};
template <class Str>
struct dispatch {
    int op;
    std::optional<std::int64_t> s;
    std::optional<Str> t;
    message<Str> d;
};

// The same fields without the vector: nothing to grow at all.
struct envelope {
    int op;
    std::optional<std::int64_t> s;
    std::optional<std::string_view> t;
    json::raw d;
};

} // namespace

TEST_CASE("alloc: string_view fields: zero allocations") {
    const std::string text = sluice_test::read_vector("discord/message_update.json");
    dispatch<std::string_view> m{};
    m.d.attachments.reserve(4); // the only container: room made up front
    {
        sluice_test::allocation_counter count;
        REQUIRE_FALSE(json::read(m, text));
        CHECK(count.count() == 0);
    }
    CHECK(m.s == 1287);
    CHECK(m.t == "MESSAGE_UPDATE");
    CHECK(m.d.author.username == "Midjourney Bot");
    CHECK(m.d.author.bot == true);
    REQUIRE(m.d.attachments.size() == 1);
    CHECK(m.d.attachments[0].size == 148922);
    CHECK(m.d.attachments[0].width == 1024);
    CHECK(m.d.edited_timestamp == "2026-11-21T20:14:09.771000+00:00");
    CHECK_FALSE(m.d.nonce);
    {
        sluice_test::allocation_counter count;
        for (int i = 0; i < 100; ++i) REQUIRE_FALSE(json::read(m, text));
        CHECK(count.count() == 0);
    }
    envelope e{};
    sluice_test::allocation_counter count;
    REQUIRE_FALSE(json::read(e, text));
    CHECK(count.count() == 0);
    CHECK(e.d.text.front() == '{');
}

TEST_CASE("alloc: std::string fields: zero allocations once grown") {
    const std::string text = sluice_test::read_vector("discord/message_update.json");
    dispatch<std::string> m{};
    REQUIRE_FALSE(json::read(m, text)); // grows the strings and the vector
    sluice_test::allocation_counter count;
    for (int i = 0; i < 100; ++i) REQUIRE_FALSE(json::read(m, text));
    CHECK(count.count() == 0);
    CHECK(m.d.content.size() > 100);
}

TEST_CASE("alloc: errors allocate only when a path is asked for") {
    const std::string text = R"({"op": 0, "d": {"id": 5}})";
    dispatch<std::string_view> m{};
    m.d.attachments.reserve(4);
    {
        sluice_test::allocation_counter count;
        CHECK(json::read(m, text) == json::errc::type_mismatch);
        CHECK(count.count() == 0);
    }
    json::error_info info;
    CHECK(json::read(m, text, &info) == json::errc::type_mismatch);
    CHECK(info.path == "d.id");
}
