#pragma once
// sluice/discord/types.hpp: Discord payloads as plain structs, read and
// written by sluice::json through reflection (no macros, no allocation
// beyond std::vector members, whose capacity is reused when you decode into
// the same object again).
//
// Field conventions:
//  - ids are sluice::snowflake (Discord sends them as strings; the reader
//    parses them into 64 bits, zero-copy);
//  - free text (content, names, URLs, labels, custom ids) is json::raw: the
//    JSON string exactly as received, quotes included, pointing into the
//    message. Discord text may contain escapes (\n, \", \u00e9), which a
//    string_view cannot hold without copying, so the decoding is yours to
//    ask for: text(raw, scratch) returns the characters (a view into the
//    message when there are no escapes, else decoded into `scratch`);
//  - fields Discord may omit are std::optional (a missing field or null
//    leaves it empty).
// Views inside a decoded struct point into the entry's bytes: valid until
// the next mutating call on the machine that produced the entry.
//
// Includes: <array>, <cstdint>, <optional>, <string>, <string_view>,
// <vector>; core/snowflake.hpp for ids; json/raw.hpp, json/read.hpp for text().
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/core/snowflake.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>

namespace sluice::discord {

/// The characters of the JSON string kept in `r`: a view into the message
/// when it has no escapes (no copy), else decoded into `scratch` and a view
/// of it. Empty for an empty raw, null, or a value that is not a string.
inline std::string_view text(const json::raw& r, std::string& scratch) {
    const std::string_view t = r.text;
    if (t.size() < 2 || t.front() != '"' || t.back() != '"') return {};
    const std::string_view inner = t.substr(1, t.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return inner;
    if (json::read(scratch, t)) return {};
    return scratch;
}

/// The characters of `r` when they need no decoding (no escapes), else
/// nullopt (also for null and non-strings). Never copies.
constexpr std::optional<std::string_view> plain_text(const json::raw& r) noexcept {
    const std::string_view t = r.text;
    if (t.size() < 2 || t.front() != '"' || t.back() != '"') return std::nullopt;
    const std::string_view inner = t.substr(1, t.size() - 2);
    if (inner.find('\\') != std::string_view::npos) return std::nullopt;
    return inner;
}

/// A nonce as Discord echoes it: a string of digits or a number. The
/// snowflake it denotes, or nullopt (null, absent, or not a number).
inline std::optional<snowflake> nonce_value(const json::raw& r) noexcept {
    std::string_view t = r.text;
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    snowflake id;
    if (from_chars(t, id)) return std::nullopt;
    return id;
}

struct user {
    snowflake id;
    std::optional<json::raw> username;
    std::optional<json::raw> global_name;
    std::optional<json::raw> discriminator;
    std::optional<json::raw> avatar;
    std::optional<bool> bot;
    std::optional<std::uint64_t> public_flags;
};

struct attachment {
    snowflake id;
    json::raw filename;
    std::optional<std::uint64_t> size;
    json::raw url;
    std::optional<json::raw> proxy_url;
    std::optional<std::uint32_t> width;
    std::optional<std::uint32_t> height;
    std::optional<json::raw> content_type;
};

struct embed_footer {
    json::raw text;
};

struct embed {
    std::optional<json::raw> title;
    std::optional<json::raw> description;
    std::optional<json::raw> url;
    std::optional<std::uint32_t> color;
    std::optional<embed_footer> footer;
};

struct emoji {
    std::optional<snowflake> id;
    std::optional<json::raw> name;
};

/// A message component (a button, a select menu, ...).
struct component {
    int type = 0;
    std::optional<int> style;
    std::optional<json::raw> label;
    std::optional<json::raw> custom_id;
    std::optional<json::raw> url;
    std::optional<discord::emoji> emoji;
    std::optional<bool> disabled;
};

/// A row of components (type 1).
struct action_row {
    int type = 1;
    std::optional<std::vector<component>> components;
};

struct message_interaction {
    snowflake id;
    int type = 0;
    std::optional<json::raw> name;
    std::optional<discord::user> user;
};

/// MESSAGE_CREATE and MESSAGE_UPDATE (an update may carry only some fields).
struct message {
    snowflake id;
    snowflake channel_id;
    std::optional<snowflake> guild_id;
    std::optional<user> author;
    std::optional<json::raw> content;
    std::optional<json::raw> nonce; ///< string or number as sent; see nonce_value()
    std::optional<int> type;
    std::optional<bool> tts;
    std::optional<json::raw> timestamp;
    std::optional<json::raw> edited_timestamp;
    std::optional<std::uint64_t> flags;
    std::optional<snowflake> application_id;
    std::optional<std::vector<attachment>> attachments;
    std::optional<std::vector<embed>> embeds;
    std::optional<std::vector<action_row>> components;
    std::optional<message_interaction> interaction;
};

/// MESSAGE_DELETE.
struct message_delete {
    snowflake id;
    snowflake channel_id;
    std::optional<snowflake> guild_id;
};

/// INTERACTION_CREATE. `data`, `member` and `message` stay raw: read them
/// with json::read into the shape your interaction type has.
struct interaction {
    snowflake id;
    snowflake application_id;
    int type = 0;
    std::optional<json::raw> data;
    std::optional<snowflake> guild_id;
    std::optional<snowflake> channel_id;
    std::optional<json::raw> member;
    std::optional<discord::user> user;
    json::raw token;
    int version = 1;
    std::optional<json::raw> message;
};

struct unavailable_guild {
    snowflake id;
    std::optional<bool> unavailable;
};

struct application_info {
    snowflake id;
    std::optional<std::uint64_t> flags;
};

/// READY.
struct ready {
    int v = 0;
    discord::user user;
    json::raw session_id;
    std::optional<json::raw> resume_gateway_url;
    std::optional<std::array<std::uint32_t, 2>> shard;
    std::optional<application_info> application;
    std::optional<std::vector<unavailable_guild>> guilds;
};

/// RESUMED carries nothing the client needs (a trace); the event itself is the news.
struct resumed {
    std::optional<json::raw> _trace;
};

} // namespace sluice::discord
