#pragma once
// The benchmark's data model: the fields of a Discord MESSAGE_UPDATE that
// PERFORMANCE.md lists, with either std::string or std::string_view strings,
// and a Discord identify payload to write. Every reader fills the same struct.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

template <class Str>
struct attachment {
    Str id;
    Str url;
    Str filename;
    std::uint64_t size = 0;
    std::optional<std::int32_t> width;
    std::optional<std::int32_t> height;
};

template <class Str>
struct author {
    Str id;
    Str username;
    std::optional<bool> bot;
};

template <class Str>
struct message {
    Str id;
    Str channel_id;
    std::optional<Str> guild_id;
    Str content;
    std::optional<Str> nonce;
    bool tts = false;
    std::optional<Str> edited_timestamp;
    bench::author<Str> author;
    std::vector<attachment<Str>> attachments;
};

template <class Str>
struct dispatch {
    int op = 0;
    std::optional<std::int64_t> s;
    std::optional<Str> t;
    message<Str> d;
};

struct identify_properties {
    std::string os;
    std::string browser;
    std::string device;
};

struct identify_data {
    std::string token;
    std::uint32_t intents = 0;
    identify_properties properties;
    std::array<int, 2> shard{};
};

struct identify {
    int op = 2;
    identify_data d;
};

inline identify sample_identify() {
    return {2, {"MTA5NzM0NTI4MzU2NzQ4NDkyOA.GhXq3x.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abc", 33281,
                {"linux", "sluice", "sluice"}, {0, 1}}};
}

/// A heartbeat (op 1) with the last sequence.
struct heartbeat {
    int op = 1;
    std::optional<std::int64_t> d;
};

// Peers, each in peers.cpp (so their headers stay out of bench_json.cpp).
// Each returns false on a parse error and fills `out` like sluice does.
bool read_simdjson(std::string_view padded_text, std::size_t size, dispatch<std::string>& out);
bool read_simdjson(std::string_view padded_text, std::size_t size, dispatch<std::string_view>& out);
bool read_rapidjson(std::string_view text, dispatch<std::string>& out);
bool read_rapidjson(std::string_view text, dispatch<std::string_view>& out);
bool read_boost_json(std::string_view text, dispatch<std::string>& out);
bool read_boost_json(std::string_view text, dispatch<std::string_view>& out);
bool read_nlohmann(std::string_view text, dispatch<std::string>& out);
bool read_nlohmann(std::string_view text, dispatch<std::string_view>& out);

void write_nlohmann(const identify& v, std::string& out);
void write_boost_json(const identify& v, std::string& out);
void write_rapidjson(const identify& v, std::string& out);
void write_boost_json(const heartbeat& v, std::string& out);
void write_boost_json(const dispatch<std::string>& v, std::string& out);

// Frees the DOMs the string_view variants point into (kept alive until the next read).
void release_peer_documents();

} // namespace bench
