#pragma once
// sluice/discord/commands.hpp: the gateway commands a client sends, and their
// JSON writers.
//
// Every writer appends one whole gateway frame ({"op":N,"d":{...}}) to a
// buffer (the engine passes its action arena, so a command is written once,
// in its final place, with no allocation once the arena has grown). Writers
// check their arguments; an error leaves the buffer as it was.
//
// The argument structs hold views (std::string_view, std::span): they are
// read during the call only.
//
// Includes: <array>, <charconv> (to_chars), <cstdint>, <optional>, <span>,
// <string>, <string_view>, <system_error>; core/snowflake.hpp;
// json/write.hpp; discord/errc.hpp.
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/snowflake.hpp>
#include <sluice/discord/errc.hpp>
#include <sluice/json/write.hpp>

namespace sluice::discord {

/// Gateway intents (bit flags for identify).
namespace intents {
inline constexpr std::uint64_t guilds = 1u << 0;
inline constexpr std::uint64_t guild_members = 1u << 1; ///< privileged
inline constexpr std::uint64_t guild_moderation = 1u << 2;
inline constexpr std::uint64_t guild_expressions = 1u << 3;
inline constexpr std::uint64_t guild_integrations = 1u << 4;
inline constexpr std::uint64_t guild_webhooks = 1u << 5;
inline constexpr std::uint64_t guild_invites = 1u << 6;
inline constexpr std::uint64_t guild_voice_states = 1u << 7;
inline constexpr std::uint64_t guild_presences = 1u << 8; ///< privileged
inline constexpr std::uint64_t guild_messages = 1u << 9;
inline constexpr std::uint64_t guild_message_reactions = 1u << 10;
inline constexpr std::uint64_t guild_message_typing = 1u << 11;
inline constexpr std::uint64_t direct_messages = 1u << 12;
inline constexpr std::uint64_t direct_message_reactions = 1u << 13;
inline constexpr std::uint64_t direct_message_typing = 1u << 14;
inline constexpr std::uint64_t message_content = 1u << 15; ///< privileged
inline constexpr std::uint64_t guild_scheduled_events = 1u << 16;
inline constexpr std::uint64_t auto_moderation_configuration = 1u << 20;
inline constexpr std::uint64_t auto_moderation_execution = 1u << 21;
} // namespace intents

/// One activity of a presence (op 3, and identify's presence).
struct activity {
    std::string_view name{};
    int type = 0; ///< 0 playing, 1 streaming, 2 listening, 3 watching, 4 custom, 5 competing
    std::optional<std::string_view> url{};   ///< streaming only
    std::optional<std::string_view> state{}; ///< custom status text
};

/// Presence update (op 3).
struct presence_update {
    std::optional<std::int64_t> since{}; ///< Unix ms since idle, or none (written as null)
    std::span<const activity> activities{};
    std::string_view status = "online"; ///< online, dnd, idle, invisible, offline
    bool afk = false;
};

/// Voice state update (op 4). No channel disconnects from voice.
struct voice_state_update {
    snowflake guild_id{};
    std::optional<snowflake> channel_id{};
    bool self_mute = false;
    bool self_deaf = false;
};

/// Request guild members (op 8): either a query (possibly "") or user ids.
struct guild_members_request {
    snowflake guild_id{};
    std::optional<std::string_view> query{}; ///< name prefix; "" with limit 0 asks for everyone
    std::uint32_t limit = 0;
    std::optional<bool> presences{};
    std::span<const snowflake> user_ids{};   ///< at most 100
    std::optional<std::string_view> nonce{}; ///< echoed in GUILD_MEMBERS_CHUNK; at most 32 bytes
};

/// identify's "properties".
struct identify_properties {
    std::string_view os = "linux";
    std::string_view browser = "sluice";
    std::string_view device = "sluice";
};

namespace detail {

// Appends a string literal (its length known at compile time: no strlen call).
template <std::size_t N>
inline void put(std::string& out, const char (&text)[N]) {
    out.append(text, N - 1);
}

// Appends `n` in decimal.
inline void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}
inline void append_number(std::string& out, std::int64_t n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// The body of a presence ({"since":..,"activities":[..],"status":..,"afk":..}).
inline std::error_code append_presence(std::string& out, const presence_update& p) {
    detail::put(out, "{\"since\":");
    if (p.since) append_number(out, *p.since);
    else detail::put(out, "null");
    detail::put(out, ",\"activities\":[");
    bool first = true;
    for (const activity& a : p.activities) {
        if (a.name.empty()) return errc::invalid_argument;
        if (!first) out.push_back(',');
        first = false;
        if (auto ec = json::write(a, out)) return ec;
    }
    detail::put(out, "],\"status\":");
    if (p.status.empty()) return errc::invalid_argument;
    if (auto ec = json::write(p.status, out)) return ec;
    detail::put(out, ",\"afk\":");
    out.append(p.afk ? "true" : "false");
    out.push_back('}');
    return {};
}

// Rolls `out` back to `mark` on error.
inline std::error_code finish(std::string& out, std::size_t mark, std::error_code ec) {
    if (ec) out.resize(mark);
    return ec;
}

} // namespace detail

/// {"op":1,"d":seq|null}. Cannot fail.
inline void write_heartbeat(std::string& out, std::optional<std::uint64_t> seq) {
    detail::put(out, "{\"op\":1,\"d\":");
    if (seq) detail::append_number(out, *seq);
    else detail::put(out, "null");
    out.push_back('}');
}

/// Op 3. Errors: discord::errc::invalid_argument (an activity without a
/// name, an empty status), json::errc::invalid_utf8.
inline std::error_code write_presence_update(std::string& out, const presence_update& p) {
    const std::size_t mark = out.size();
    detail::put(out, "{\"op\":3,\"d\":");
    std::error_code ec = detail::append_presence(out, p);
    if (!ec) out.push_back('}');
    return detail::finish(out, mark, ec);
}

/// Op 4. Cannot fail.
inline std::error_code write_voice_state_update(std::string& out, const voice_state_update& v) {
    detail::put(out, "{\"op\":4,\"d\":{\"guild_id\":\"");
    out.append(to_chars(v.guild_id).view());
    detail::put(out, "\",\"channel_id\":");
    if (v.channel_id) {
        out.push_back('"');
        out.append(to_chars(*v.channel_id).view());
        out.push_back('"');
    } else {
        detail::put(out, "null");
    }
    detail::put(out, ",\"self_mute\":");
    out.append(v.self_mute ? "true" : "false");
    detail::put(out, ",\"self_deaf\":");
    out.append(v.self_deaf ? "true" : "false");
    detail::put(out, "}}");
    return {};
}

/// Op 8. Errors: discord::errc::invalid_argument (neither query nor user
/// ids, or both; more than 100 user ids; a nonce over 32 bytes),
/// json::errc::invalid_utf8.
inline std::error_code write_request_guild_members(std::string& out, const guild_members_request& r) {
    if (r.query.has_value() == !r.user_ids.empty()) return errc::invalid_argument;
    if (r.user_ids.size() > 100 || (r.nonce && r.nonce->size() > 32)) return errc::invalid_argument;
    const std::size_t mark = out.size();
    detail::put(out, "{\"op\":8,\"d\":{\"guild_id\":\"");
    out.append(to_chars(r.guild_id).view());
    detail::put(out, "\"");
    std::error_code ec;
    if (r.query) {
        detail::put(out, ",\"query\":");
        ec = json::write(*r.query, out);
    }
    detail::put(out, ",\"limit\":");
    detail::append_number(out, std::uint64_t{r.limit});
    if (r.presences) out.append(*r.presences ? ",\"presences\":true" : ",\"presences\":false");
    if (!r.user_ids.empty()) {
        detail::put(out, ",\"user_ids\":[");
        for (std::size_t i = 0; i < r.user_ids.size(); ++i) {
            if (i) out.push_back(',');
            out.push_back('"');
            out.append(to_chars(r.user_ids[i]).view());
            out.push_back('"');
        }
        out.push_back(']');
    }
    if (!ec && r.nonce) {
        detail::put(out, ",\"nonce\":");
        ec = json::write(*r.nonce, out);
    }
    detail::put(out, "}}");
    return detail::finish(out, mark, ec);
}

/// What identify carries (op 2). Views are read during the call.
struct identify_args {
    std::string_view token{};
    std::uint64_t intents = 0;
    identify_properties properties;
    std::optional<std::array<std::uint32_t, 2>> shard{}; ///< [shard_id, num_shards]
    std::optional<presence_update> presence{};
    std::optional<std::uint32_t> large_threshold{}; ///< 50..250
};

/// Op 2. Errors: discord::errc::invalid_argument (empty token, shard id not
/// below the count, large_threshold outside 50..250, a bad presence),
/// json::errc::invalid_utf8.
inline std::error_code write_identify(std::string& out, const identify_args& a) {
    if (a.token.empty()) return errc::invalid_argument;
    if (a.shard && ((*a.shard)[1] == 0 || (*a.shard)[0] >= (*a.shard)[1])) return errc::invalid_argument;
    if (a.large_threshold && (*a.large_threshold < 50 || *a.large_threshold > 250)) return errc::invalid_argument;
    const std::size_t mark = out.size();
    detail::put(out, "{\"op\":2,\"d\":{\"token\":");
    std::error_code ec = json::write(a.token, out);
    if (!ec) {
        detail::put(out, ",\"intents\":");
        detail::append_number(out, a.intents);
        detail::put(out, ",\"properties\":");
        ec = json::write(a.properties, out);
    }
    if (!ec && a.shard) {
        detail::put(out, ",\"shard\":");
        ec = json::write(*a.shard, out);
    }
    if (!ec && a.large_threshold) {
        detail::put(out, ",\"large_threshold\":");
        detail::append_number(out, std::uint64_t{*a.large_threshold});
    }
    if (!ec && a.presence) {
        detail::put(out, ",\"presence\":");
        ec = detail::append_presence(out, *a.presence);
    }
    if (!ec) detail::put(out, "}}");
    return detail::finish(out, mark, ec);
}

/// Op 6. Errors: json::errc::invalid_utf8.
inline std::error_code write_resume(std::string& out, std::string_view token, std::string_view session_id, std::uint64_t seq) {
    const std::size_t mark = out.size();
    detail::put(out, "{\"op\":6,\"d\":{\"token\":");
    std::error_code ec = json::write(token, out);
    if (!ec) {
        detail::put(out, ",\"session_id\":");
        ec = json::write(session_id, out);
    }
    if (!ec) {
        detail::put(out, ",\"seq\":");
        detail::append_number(out, seq);
        detail::put(out, "}}");
    }
    return detail::finish(out, mark, ec);
}

} // namespace sluice::discord
