#pragma once
// sluice/nightingale/message.hpp: Nightingale's gateway messages (seed 001
// and the real server), read leniently and written as configured.
//
// Every frame is {"op": name, "data": {...}}. From the server:
//   ready         {"session": uuid (the seed also says Integer), "resumed": bool,
//                  "players": [...] (on a resume, real server)}
//   forward       a Discord gateway payload for the bot's shard: the bare
//                  payload (seed) or {"shard": n, "payload": {...}} (real)
//   update_state  {"type": "connect_gateway" | "reconnect_gateway" | "disconnect_gateway",
//                  "data": {channel_id, guild_id, session_id, server, ssrc}}
//                  (the seed spells them channel, guild, session)
//   event         {"guild_id": n, "event": {"type": t, "data": d}} (real; briefly
//                  "guild") or {"type": t, "data": d} (seed), t one of
//                  track_start (d = Track), track_end (d = {stopped, track}),
//                  track_errored (d = {error, track})
// Track: track, artist, album, channel, source_url, title, thumbnail (strings or
// null) and duration: milliseconds (real), {"secs", "nanos"} (2024), or a
// string (the seed's table).
// To the server (real server): update_voice_state and update_voice_server,
// carrying what Discord's VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE said.
// Ids are read as integers or strings of digits, and written as configured.
//
// Includes: <cstdint>, <optional>, <string>, <string_view>,
// <system_error>, <vector> (players);
// core/time.hpp for duration; gateway/detail/frame_fields.hpp (read_id,
// is_null); json/read.hpp, json/validate.hpp, json/write.hpp;
// nightingale/errc.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/time.hpp>
#include <sluice/gateway/detail/frame_fields.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
#include <sluice/nightingale/errc.hpp>

namespace sluice::nightingale {

/// The three update_state types.
enum class state_type : std::uint8_t { connect_gateway, reconnect_gateway, disconnect_gateway };
/// The three track events.
enum class track_event_type : std::uint8_t { track_start, track_end, track_errored };

constexpr std::string_view to_string(state_type t) noexcept {
    constexpr std::string_view names[] = {"connect_gateway", "reconnect_gateway", "disconnect_gateway"};
    return names[static_cast<std::size_t>(t)];
}
constexpr std::string_view to_string(track_event_type t) noexcept {
    constexpr std::string_view names[] = {"track_start", "track_end", "track_errored"};
    return names[static_cast<std::size_t>(t)];
}
constexpr std::optional<state_type> state_type_of(std::string_view s) noexcept {
    for (std::size_t i = 0; i < 3; ++i)
        if (to_string(static_cast<state_type>(i)) == s) return static_cast<state_type>(i);
    return std::nullopt;
}
constexpr std::optional<track_event_type> track_event_type_of(std::string_view s) noexcept {
    for (std::size_t i = 0; i < 3; ++i)
        if (to_string(static_cast<track_event_type>(i)) == s) return static_cast<track_event_type>(i);
    return std::nullopt;
}

/// A track's metadata.
struct track {
    std::optional<std::string> track;
    std::optional<std::string> artist;
    std::optional<std::string> album;
    std::optional<std::string> channel;
    std::optional<std::string> source_url;
    std::optional<std::string> title;
    std::optional<std::string> thumbnail;
    std::optional<duration> length;           ///< duration, from milliseconds, {secs, nanos} or a string of digits (ms)
    std::optional<std::string> duration_text; ///< a duration string that is not a number, as sent
};

/// A player of a resumed session (the real server's `players` in ready).
struct player {
    std::uint64_t guild_id = 0;
    std::optional<std::uint64_t> channel_id;
    bool paused = false;
    std::uint32_t volume = 100; ///< percent
    std::optional<nightingale::track> currently_playing;
    std::vector<nightingale::track> queue;
};

/// What `ready` says.
struct ready_message {
    std::string session;        ///< the session id (a UUID; an integer id is kept as its digits)
    bool resumed = false;       ///< the session was resumed
    std::string_view players;   ///< the players array (JSON, real server on resume) or ""
};

/// What `forward` says: a payload for the Discord gateway of a shard.
struct forward_message {
    std::optional<std::uint64_t> shard; ///< absent in the seed's form
    std::string_view payload;           ///< the Discord payload, JSON, to send unchanged
};

/// What `update_state` says.
struct state_update {
    state_type type = state_type::connect_gateway;
    std::optional<std::uint64_t> channel_id;
    std::uint64_t guild_id = 0;
    std::string session_id;          ///< the voice session id
    std::optional<std::string> server; ///< connect/reconnect only
    std::optional<std::uint32_t> ssrc; ///< connect/reconnect only
};

/// What `event` says.
struct track_event {
    track_event_type type = track_event_type::track_start;
    std::optional<std::uint64_t> guild_id; ///< absent in the seed's form
    nightingale::track track;
    bool stopped = false; ///< track_end: stopped by hand
    std::string error;    ///< track_errored: what failed
};

namespace detail {

struct envelope {
    std::string_view op;
    json::raw data;
};
struct ready_view {
    json::raw session;
    bool resumed;
    std::optional<json::raw> players;
};
struct forward_wrapped {
    std::optional<json::raw> shard;
    std::optional<json::raw> payload;
};
struct typed_view {
    std::string_view type;
    std::optional<json::raw> data;
};
struct state_fields {
    std::optional<json::raw> channel_id, channel, guild_id, guild, session_id, session, server, ssrc;
};
struct event_wrapped {
    std::optional<json::raw> guild_id, guild, event, type, data;
};
struct player_view {
    json::raw guild_id;
    std::optional<json::raw> channel_id;
    std::optional<bool> paused;
    std::optional<std::uint32_t> volume;
    std::optional<json::raw> currently_playing;
    std::optional<std::vector<json::raw>> queue;
};
struct duration_object {
    std::uint64_t secs;
    std::uint64_t nanos;
};
struct track_text {
    std::optional<std::string> track, artist, album, channel, source_url, title, thumbnail;
    std::optional<json::raw> duration;
};
struct end_view {
    bool stopped;
    json::raw track;
};
struct errored_view {
    std::string error;
    json::raw track;
};

// Ids (a JSON integer or a string of decimal digits) and null checks: the
// readers every gateway protocol shares.
using gateway::detail::is_null;
using gateway::detail::read_id;
// An optional id field: absent or null is fine; anything else must be an id.
inline bool read_optional_id(const std::optional<json::raw>& r, std::optional<std::uint64_t>& out) noexcept {
    out.reset();
    if (is_null(r)) return true;
    std::uint64_t v = 0;
    if (!read_id(r->text, v)) return false;
    out = v;
    return true;
}
inline bool is_object(std::string_view json) noexcept { return !json.empty() && json.front() == '{'; }

} // namespace detail

/// Splits a frame into its op and data (views into `text`). Errors: json
/// errors (not JSON, no string `op`, no `data`); gateway-independent.
inline std::error_code read_envelope(std::string_view text, std::string_view& op, std::string_view& data) {
    detail::envelope e{};
    if (std::error_code ec = json::read(e, text)) return ec;
    op = e.op;
    data = e.data.text;
    return {};
}

/// Reads ready's data. Errors: json errors; errc::invalid_id when `session`
/// is neither a string nor an integer.
inline std::error_code read_ready(std::string_view data, ready_message& out) {
    detail::ready_view v{};
    if (std::error_code ec = json::read(v, data)) return ec;
    const std::string_view s = v.session.text;
    if (!s.empty() && s.front() == '"') {
        if (std::error_code ec = json::read(out.session, s)) return ec;
    } else {
        std::uint64_t id = 0;
        if (!detail::read_id(s, id)) return errc::invalid_id;
        out.session.assign(s);
    }
    if (out.session.empty()) return errc::invalid_id;
    out.resumed = v.resumed;
    out.players = detail::is_null(v.players) ? std::string_view{} : v.players->text;
    return {};
}

/// Reads forward's data in either form. No allocation. Errors: json errors;
/// errc::invalid_id (a bad shard); errc::not_an_object (no payload object).
inline std::error_code read_forward(std::string_view data, forward_message& out) {
    out = forward_message{};
    detail::forward_wrapped w{};
    if (std::error_code ec = json::read(w, data)) return ec;
    if (w.payload && !w.payload->text.empty() && w.payload->text.front() == '{') {
        if (!detail::read_optional_id(w.shard, out.shard)) return errc::invalid_id;
        out.payload = w.payload->text;
        return {};
    }
    if (!detail::is_object(data)) return errc::not_an_object;
    out.payload = data; // the seed's form: data is the Discord payload itself
    return {};
}

/// Reads update_state's data ({type, data}), either field spelling.
/// Errors: json errors; errc::unknown_type; errc::invalid_id (a missing or
/// bad guild id, a bad channel id); json::errc::missing_field (no session id).
inline std::error_code read_state_update(std::string_view data, state_update& out) {
    detail::typed_view t{};
    if (std::error_code ec = json::read(t, data)) return ec;
    const auto type = state_type_of(t.type);
    if (!type) return errc::unknown_type;
    if (detail::is_null(t.data)) return json::errc::missing_field;
    detail::state_fields f{};
    if (std::error_code ec = json::read(f, t.data->text)) return ec;
    out.type = *type;
    if (!detail::read_optional_id(f.channel_id ? f.channel_id : f.channel, out.channel_id)) return errc::invalid_id;
    const auto& guild = f.guild_id ? f.guild_id : f.guild;
    if (detail::is_null(guild) || !detail::read_id(guild->text, out.guild_id)) return errc::invalid_id;
    const auto& session = f.session_id ? f.session_id : f.session;
    if (detail::is_null(session)) return json::errc::missing_field;
    if (std::error_code ec = json::read(out.session_id, session->text)) return ec;
    out.server.reset();
    if (!detail::is_null(f.server)) {
        out.server.emplace();
        if (std::error_code ec = json::read(*out.server, f.server->text)) return ec;
    }
    out.ssrc.reset();
    if (!detail::is_null(f.ssrc)) {
        std::uint32_t ssrc = 0;
        if (std::error_code ec = json::read(ssrc, f.ssrc->text)) return ec;
        out.ssrc = ssrc;
    }
    return {};
}

/// Reads a Track object (allocates for its strings; track events are rare).
/// Errors: json errors; json::errc::type_mismatch for a duration that is
/// neither a number, {secs, nanos} nor a string.
inline std::error_code read_track(std::string_view json_text, track& out) {
    detail::track_text t{};
    if (std::error_code ec = json::read(t, json_text)) return ec;
    out.track = std::move(t.track);
    out.artist = std::move(t.artist);
    out.album = std::move(t.album);
    out.channel = std::move(t.channel);
    out.source_url = std::move(t.source_url);
    out.title = std::move(t.title);
    out.thumbnail = std::move(t.thumbnail);
    out.length.reset();
    out.duration_text.reset();
    if (detail::is_null(t.duration)) return {};
    const std::string_view d = t.duration->text;
    if (d.front() == '{') {
        detail::duration_object o{};
        if (std::error_code ec = json::read(o, d)) return ec;
        out.length = std::chrono::seconds(o.secs) + std::chrono::nanoseconds(o.nanos);
    } else if (d.front() == '"') {
        std::string s;
        if (std::error_code ec = json::read(s, d)) return ec;
        std::uint64_t ms = 0;
        if (detail::read_id(s, ms)) out.length = std::chrono::milliseconds(ms);
        else out.duration_text = std::move(s);
    } else {
        double ms = 0; // an integer in the real server; a fraction is tolerated
        if (std::error_code ec = json::read(ms, d)) return ec;
        if (ms < 0) return json::errc::number_out_of_range;
        out.length = std::chrono::duration_cast<duration>(std::chrono::duration<double, std::milli>(ms));
    }
    return {};
}

/// Reads the `players` of a resumed ready (ready_message::players) into
/// `out` (replacing its contents; "" reads as no players). Allocates.
/// Errors: json errors; errc::invalid_id (a bad guild or channel id).
inline std::error_code read_players(std::string_view players, std::vector<player>& out) {
    out.clear();
    if (players.empty() || players == "null") return {};
    std::vector<detail::player_view> views;
    if (std::error_code ec = json::read(views, players)) return ec;
    out.resize(views.size());
    for (std::size_t i = 0; i < views.size(); ++i) {
        const detail::player_view& v = views[i];
        player& p = out[i];
        if (!detail::read_id(v.guild_id.text, p.guild_id) || !detail::read_optional_id(v.channel_id, p.channel_id))
            return errc::invalid_id;
        p.paused = v.paused.value_or(false);
        p.volume = v.volume.value_or(100);
        if (!detail::is_null(v.currently_playing)) {
            p.currently_playing.emplace();
            if (std::error_code ec = read_track(v.currently_playing->text, *p.currently_playing)) return ec;
        }
        if (v.queue) {
            p.queue.resize(v.queue->size());
            for (std::size_t k = 0; k < v.queue->size(); ++k)
                if (std::error_code ec = read_track((*v.queue)[k].text, p.queue[k])) return ec;
        }
    }
    return {};
}

/// Reads event's data, wrapped or flat. Errors: json errors;
/// errc::unknown_type; errc::invalid_id (a bad guild id).
inline std::error_code read_track_event(std::string_view data, track_event& out) {
    detail::event_wrapped w{};
    if (std::error_code ec = json::read(w, data)) return ec;
    std::string_view inner = data;
    if (!detail::is_null(w.event)) {
        inner = w.event->text;
        if (!detail::read_optional_id(w.guild_id ? w.guild_id : w.guild, out.guild_id)) return errc::invalid_id;
    } else {
        out.guild_id.reset();
    }
    detail::typed_view t{};
    if (std::error_code ec = json::read(t, inner)) return ec;
    const auto type = track_event_type_of(t.type);
    if (!type) return errc::unknown_type;
    if (detail::is_null(t.data)) return json::errc::missing_field;
    out.type = *type;
    out.stopped = false;
    out.error.clear();
    switch (*type) {
    case track_event_type::track_start: return read_track(t.data->text, out.track);
    case track_event_type::track_end: {
        detail::end_view e{};
        if (std::error_code ec = json::read(e, t.data->text)) return ec;
        out.stopped = e.stopped;
        return read_track(e.track.text, out.track);
    }
    case track_event_type::track_errored: {
        detail::errored_view e{};
        if (std::error_code ec = json::read(e, t.data->text)) return ec;
        out.error = std::move(e.error);
        return read_track(e.track.text, out.track);
    }
    }
    return errc::unknown_type;
}

/// How ids are written in messages to the server (both are accepted by it).
enum class id_format : std::uint8_t {
    string,  ///< "123" (Discord's own form, the default)
    integer, ///< 123 (the seed's "Integer")
};

/// A voice state update for the bot, as Discord's VOICE_STATE_UPDATE reports it.
struct voice_state {
    std::optional<std::uint64_t> guild_id;
    std::optional<std::uint64_t> channel_id; ///< none: the bot left the channel
    std::uint64_t user_id = 0;
    std::string_view session_id;
};
/// A voice server update, as Discord's VOICE_SERVER_UPDATE reports it.
struct voice_server {
    std::uint64_t guild_id = 0;
    std::optional<std::string_view> endpoint; ///< none while Discord allocates a server
    std::string_view token;
};

namespace detail {
inline void write_id(std::string& out, std::uint64_t id, id_format f) {
    if (f == id_format::string) out.push_back('"');
    (void)json::write(id, out);
    if (f == id_format::string) out.push_back('"');
}
inline void write_optional_id(std::string& out, std::optional<std::uint64_t> id, id_format f) {
    if (id) write_id(out, *id, f);
    else out.append("null");
}
} // namespace detail

/// Appends {"op":"update_voice_state","data":{guild_id, user_id, session_id, channel_id}}.
/// Error: json::errc::invalid_utf8 (session_id).
inline std::error_code write_voice_state(std::string& out, const voice_state& v, id_format f = id_format::string) {
    out.append(R"({"op":"update_voice_state","data":{"guild_id":)");
    detail::write_optional_id(out, v.guild_id, f);
    out.append(R"(,"user_id":)");
    detail::write_id(out, v.user_id, f);
    out.append(R"(,"session_id":)");
    if (std::error_code ec = json::write(v.session_id, out)) return ec;
    out.append(R"(,"channel_id":)");
    detail::write_optional_id(out, v.channel_id, f);
    out.append("}}");
    return {};
}

/// Appends {"op":"update_voice_server","data":{endpoint, guild_id, token}}.
/// Error: json::errc::invalid_utf8.
inline std::error_code write_voice_server(std::string& out, const voice_server& v, id_format f = id_format::string) {
    out.append(R"({"op":"update_voice_server","data":{"endpoint":)");
    if (v.endpoint) {
        if (std::error_code ec = json::write(*v.endpoint, out)) return ec;
    } else {
        out.append("null");
    }
    out.append(R"(,"guild_id":)");
    detail::write_id(out, v.guild_id, f);
    out.append(R"(,"token":)");
    if (std::error_code ec = json::write(v.token, out)) return ec;
    out.append("}}");
    return {};
}

/// Appends {"op":<op>,"data":<data>} with `data` copied verbatim: how a
/// Discord VOICE_STATE_UPDATE or VOICE_SERVER_UPDATE `d` is passed on
/// unchanged. Errors: errc::not_an_object (data is not one JSON object),
/// json::errc::invalid_utf8 (op).
inline std::error_code write_message(std::string& out, std::string_view op, std::string_view data) {
    if (!detail::is_object(data) || json::validate(data)) return errc::not_an_object;
    out.append(R"({"op":)");
    if (std::error_code ec = json::write(op, out)) return ec;
    out.append(R"(,"data":)");
    out.append(data);
    out.push_back('}');
    return {};
}

} // namespace sluice::nightingale
