#pragma once
// sluice/i386chat/frame.hpp: i386chat frames (seed 002), parsed and written.
//
//     {"f": 100, "cnf": {"hb_int": 20000}}                       hello        server
//     {"f": 110, "cnf": {"token": "..."}}                        present      client, first
//     {"f": 120}                                                 heartbeat    both (the server echoes)
//     {"f": 130, "cnf": {...}, "s": 21, "t": "MESSAGE_CREATE"}   execute      both
//     {"f": 140, "cnf": {"v": 6, "session_id": 96834, "enc_key": "..."}}  ready  server
//     {"f": 150, "cnf": {"c": 4001, "d": true}}                  error        server
//
// The event name travels in "t" (the seed's table) or "e" (the seed's own
// example): both are read, and a frame that has both with different values
// is malformed. `s` and the event name matter on 130 only. `cnf` may be any
// JSON value (the seed says "JSON, String, Integer").
//
// Includes: <cstdint>, <iterator> (std::size), <optional>, <string>,
// <string_view>, <system_error>;
// json/read.hpp, json/write.hpp, json/validate.hpp; gateway/errc.hpp for
// malformed_frame, gateway/detail/frame_fields.hpp (ids, the hello
// interval); i386chat/errc.hpp.
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/gateway/detail/frame_fields.hpp>
#include <sluice/gateway/errc.hpp>
#include <sluice/i386chat/errc.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>

namespace sluice::i386chat {

/// Function codes.
enum class function_code : std::int16_t {
    hello = 100,     ///< server: what the client must do (heartbeat interval)
    present = 110,   ///< client: authenticate; the first thing sent
    heartbeat = 120, ///< client every hb_int; the server echoes it
    execute = 130,   ///< both: an event with a sequence number
    ready = 140,     ///< server: the client is identified
    error = 150,     ///< server: an error; d = the server is disconnecting the client
};

/// The events seed 002 names. `other` is any name it does not.
enum class event_name : std::uint8_t {
    message_create,   ///< MESSAGE_CREATE: a message was created
    message_delete,   ///< MESSAGE_DELETE: a message was deleted
    start_typing,     ///< START_TYPING: a client started typing
    system_ban_add,   ///< SYSTEM_BAN_ADD: a system-wide ban
    channel_add,      ///< CHANNEL_ADD: a channel was created
    channel_move,     ///< CHANNEL_MOVE: a client moved to another channel
    room_user_add,    ///< ROOM_USER_ADD: another client joined this channel
    room_user_remove, ///< ROOM_USER_REMOVE: another client left this channel
    gateway_down,     ///< GATEWAY_DOWN: the gateway is going down; a disconnect follows
    other,            ///< a name the seed does not list
};

inline constexpr std::string_view event_names[] = {"MESSAGE_CREATE", "MESSAGE_DELETE", "START_TYPING",
                                                   "SYSTEM_BAN_ADD", "CHANNEL_ADD",    "CHANNEL_MOVE",
                                                   "ROOM_USER_ADD",  "ROOM_USER_REMOVE", "GATEWAY_DOWN"};

constexpr std::string_view to_string(event_name e) noexcept {
    return e == event_name::other ? std::string_view("") : event_names[static_cast<std::size_t>(e)];
}
constexpr event_name event_name_of(std::string_view s) noexcept {
    for (std::size_t i = 0; i < std::size(event_names); ++i)
        if (event_names[i] == s) return static_cast<event_name>(i);
    return event_name::other;
}

/// Which key execute frames carry the event name under when the client writes them.
enum class event_key : std::uint8_t { t, e };

/// One inbound frame. Views point into the parsed text.
struct frame_view {
    function_code f = function_code::hello;
    std::string_view cnf;           ///< raw JSON of cnf ("" when absent or null)
    std::optional<std::uint64_t> s; ///< execute: the sequence number
    std::string_view event;         ///< execute: the event name (t or e)
    std::int64_t hb_int = 0;        ///< hello: heartbeat interval in ms (> 0)
    std::int64_t error_code = 0;    ///< error: c
    bool disconnecting = false;     ///< error: d
};

/// What the ready frame establishes.
struct ready_info {
    std::int64_t version = 0;     ///< v: the gateway API version
    std::uint64_t session_id = 0; ///< session_id (an integer; a string of digits is accepted)
    std::string enc_key;          ///< enc_key (unescaped)
};

namespace detail {
struct envelope {
    std::int64_t f;
    std::optional<json::raw> cnf;
    std::optional<std::int64_t> s;
    std::optional<std::string_view> t;
    std::optional<std::string_view> e;
};
struct hello_cnf {
    std::int64_t hb_int;
};
struct error_cnf {
    std::int64_t c;
    bool d;
};
struct ready_cnf {
    std::int64_t v;
    json::raw session_id;
    std::string enc_key;
};

// An integer, or a string of decimal digits (what "Integer" ids become in some servers).
using gateway::detail::read_id;
} // namespace detail

/// Parses one server frame. Errors: the json errors for text that is not
/// JSON or has wrong types, gateway::errc::malformed_frame for a frame that
/// is JSON but not an i386chat server frame (unknown or client-only
/// function code, hello without a positive hb_int, execute without an event
/// name or with t and e disagreeing, error without c and d). No allocation.
inline std::error_code parse_frame(std::string_view text, frame_view& out) {
    detail::envelope env{};
    if (std::error_code ec = json::read(env, text)) return ec;
    out = frame_view{};
    if (env.cnf && env.cnf->text != "null") out.cnf = env.cnf->text;
    switch (env.f) {
    case 100: {
        out.f = function_code::hello;
        return gateway::detail::read_positive(out.cnf, &detail::hello_cnf::hb_int, out.hb_int);
    }
    case 120: out.f = function_code::heartbeat; return {};
    case 130: {
        out.f = function_code::execute;
        if (env.t && env.e && *env.t != *env.e) return gateway::errc::malformed_frame;
        out.event = env.t ? *env.t : env.e ? *env.e : std::string_view{};
        if (out.event.empty()) return gateway::errc::malformed_frame;
        if (env.s) {
            if (*env.s < 0) return gateway::errc::malformed_frame;
            out.s = static_cast<std::uint64_t>(*env.s);
        }
        return {};
    }
    case 140:
        out.f = function_code::ready;
        if (out.cnf.empty() || out.cnf.front() != '{') return gateway::errc::malformed_frame;
        return {};
    case 150: {
        out.f = function_code::error;
        detail::error_cnf e{};
        if (out.cnf.empty() || json::read(e, out.cnf)) return gateway::errc::malformed_frame;
        out.error_code = e.c;
        out.disconnecting = e.d;
        return {};
    }
    default: return gateway::errc::malformed_frame; // 110 is client-only; anything else is unknown
    }
}

/// Reads a ready frame's cnf (frame_view::cnf of a 140). Allocates for
/// enc_key (once a connection). Errors: json errors, or
/// gateway::errc::missing_session when session_id is neither an integer
/// nor a string of digits.
inline std::error_code read_ready(std::string_view cnf, ready_info& out) {
    detail::ready_cnf r{};
    if (std::error_code ec = json::read(r, cnf)) return ec;
    std::uint64_t id = 0;
    if (!detail::read_id(r.session_id.text, id)) return gateway::errc::missing_session;
    out.version = r.v;
    out.session_id = id;
    out.enc_key = std::move(r.enc_key);
    return {};
}

/// Appends a present frame: {"f":110,"cnf":{"token":"..."}}.
/// Error: json::errc::invalid_utf8 (the token is not UTF-8).
inline std::error_code write_present(std::string& out, std::string_view token) {
    out.append(R"({"f":110,"cnf":{"token":)");
    if (std::error_code ec = json::write(token, out)) return ec;
    out.append("}}");
    return {};
}

/// Appends a heartbeat frame: {"f":120}.
inline void write_heartbeat(std::string& out) { out.append(R"({"f":120})"); }

/// Whether `name` can be an event name: not empty, printable ASCII other
/// than '"' and '\\' (what needs no escaping).
constexpr bool valid_event_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (const char c : name)
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
}

/// Appends an execute frame {"f":130,"cnf":<cnf>,"s":<seq>,"t":"<event>"}
/// (key "e" with event_key::e). `cnf` is JSON text written as is ("" writes
/// no cnf). Errors (nothing useful appended): errc::invalid_event_name,
/// errc::invalid_configuration (cnf is not one JSON value).
inline std::error_code write_execute(std::string& out, std::string_view event, std::string_view cnf, std::uint64_t seq,
                                     event_key key = event_key::t) {
    if (!valid_event_name(event)) return errc::invalid_event_name;
    if (!cnf.empty() && json::validate(cnf)) return errc::invalid_configuration;
    out.append(R"({"f":130)");
    if (!cnf.empty()) {
        out.append(R"(,"cnf":)");
        out.append(cnf);
    }
    out.append(R"(,"s":)");
    (void)json::write(seq, out);
    out.append(key == event_key::t ? R"(,"t":")" : R"(,"e":")");
    out.append(event);
    out.append("\"}");
    return {};
}

} // namespace sluice::i386chat
