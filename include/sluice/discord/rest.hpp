#pragma once
// sluice/discord/rest.hpp: Discord REST calls as actions (sans-I/O).
//
// The machine never opens a connection. You submit a request (a builder or
// submit()); poll() hands out an `request` action: the whole HTTP/1.1
// request in `bytes` (write it to a TLS socket to discord.com:443), and its
// parts (method, target, header block, body) for an HTTP library. You hand
// the response back with on_response() (or on_failure()); poll() then hands
// out a `response` action with the status and body, or a `failed` one.
//
//     const std::string auth = "Bot " + token;           // the config's views are copied
//     rest::client api({.authorization = auth});
//     std::uint64_t id;
//     api.get_application_commands(app_id, std::nullopt, now, id);
//     while (auto* e = api.poll()) {
//         if (e->action.kind == rest::action_kind::request) http.perform(rest::view(*e));
//         if (e->action.kind == rest::action_kind::response) use(e->action.id, e->action.status, rest::body(*e));
//     }
//     ... api.on_response(id, status, headers, body, now);
//
// Rate limits: a 429 is never handed to you as a response: the request is
// sent again after the `retry_after` Discord gives (the larger of the body's
// retry_after and the Retry-After header), up to max_retries times, then it
// fails with errc::rest_rate_limited. A global 429 ("global": true or
// X-RateLimit-Global) holds every request until it passes. 502, 503 and 504
// are retried the same way after 1 s, 2 s, 4 s... A transport failure is not
// retried (a POST /interactions may have gone through): it fails with
// errc::connection_lost.
//
// Every request that goes in comes out exactly once: response (2xx, or
// another status with `error` set: unauthorized, not_found, http_error) or
// failed (rest_rate_limited, request_timeout, connection_lost).
//
// Memory: `max_requests` slots allocated at construction; each keeps its
// request text buffer across uses, so steady state allocates nothing.
// Views in polled entries are valid until the next mutating call.
//
// Includes: <cstdint>, <limits>, <optional>, <span>, <string>, <string_view>,
// <system_error>, <type_traits>, <vector>; core (action queue, snowflake, time); http
// (request writer, field); json (read for 429 bodies, write for strings);
// discord/commands.hpp (number formatting), discord/errc.hpp,
// discord/types.hpp (json::raw payload types); gateway/action.hpp (slice).
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/snowflake.hpp>
#include <sluice/core/time.hpp>
#include <sluice/discord/commands.hpp>
#include <sluice/discord/errc.hpp>
#include <sluice/discord/types.hpp>
#include <sluice/gateway/action.hpp>
#include <sluice/http/request.hpp>
#include <sluice/http/syntax.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/write.hpp>

namespace sluice::discord::rest {

/// What a REST action is.
enum class action_kind : std::uint8_t {
    request,  ///< perform this HTTP request, then call on_response() or on_failure() with `id`
    response, ///< the response to request `id`: `status`, body in bytes; `error` set for non-2xx
    failed,   ///< request `id` failed for good: `error` says why (no response will come)
};

struct action {
    action_kind kind = action_kind::request;
    std::uint16_t status = 0;      ///< response: the HTTP status
    std::uint8_t attempts = 0;     ///< request: how many times it was sent before (retries)
    std::uint64_t id = 0;          ///< the request id submit() returned
    std::error_code error;         ///< response (non-2xx) or failed: why
    std::uint32_t method_size = 0; ///< request: bytes = "METHOD target HTTP/1.1\r\n" headers "\r\n" body
    std::uint32_t target_offset = 0;
    std::uint32_t target_size = 0;
    std::uint32_t headers_offset = 0; ///< the header lines, each "Name: value\r\n"
    std::uint32_t headers_size = 0;
    std::uint32_t body_offset = 0;
    std::uint32_t body_size = 0;
};

using entry = action_queue<action>::entry;

/// The parts of a request action; views into the entry's bytes.
struct request_view {
    std::string_view method{};
    std::string_view target{};       ///< e.g. "/api/v10/interactions"
    std::string_view header_block{}; ///< "Name: value\r\n" lines (Host, Authorization, ...)
    std::string_view body{};         ///< JSON, or empty
    std::string_view http{};         ///< the whole HTTP/1.1 request, ready for a socket
};

inline request_view view(const entry& e) noexcept {
    const action& a = e.action;
    const auto part = [&](std::uint32_t off, std::uint32_t size) { return gateway::detail::slice(e.bytes, off, size); };
    return {part(0, a.method_size), part(a.target_offset, a.target_size), part(a.headers_offset, a.headers_size),
            part(a.body_offset, a.body_size), e.bytes};
}
/// The body of a response or failed action.
inline std::string_view body(const entry& e) noexcept { return e.bytes; }

/// REST client configuration. Views are copied at construction.
struct config {
    std::string_view authorization{}; ///< the Authorization header value: "Bot <token>" (or a user token as is)
    std::string_view host = "discord.com";
    std::string_view api = "/api/v10";
    std::string_view user_agent = "DiscordBot (https://github.com/sluice, 0.1)";
    std::uint32_t max_requests = 16;             ///< queued, waiting or in flight at once
    std::uint32_t max_retries = 5;               ///< retries after 429/502/503/504
    duration timeout = std::chrono::seconds(30); ///< from handing out a request to its response
    duration max_retry_after = std::chrono::minutes(10); ///< a longer retry_after fails the request
};

/// One string option of an application command (type 3), or any other
/// option type with a JSON value written as given.
struct command_option {
    std::string_view name{};
    std::string_view value{};  ///< a string value (type 3)
    int type = 3;
    std::optional<json::raw> raw_value{}; ///< for non-string types: the JSON value to write instead
};

/// POST /interactions type 2: run an application command (e.g. /imagine).
struct command_interaction {
    snowflake application_id{};
    std::optional<snowflake> guild_id{}; ///< none in DMs
    snowflake channel_id{};
    std::string_view session_id{}; ///< the gateway session id from READY
    snowflake nonce{};             ///< echoed in the resulting message
    snowflake command_id{};
    snowflake command_version{};
    std::string_view command_name{};
    std::span<const command_option> options{};
    int command_type = 1; ///< 1 = chat input (slash command)
};

/// POST /interactions type 3: press a button (component_type 2).
struct component_interaction {
    snowflake application_id{};
    std::optional<snowflake> guild_id{};
    snowflake channel_id{};
    std::string_view session_id{};
    snowflake nonce{};
    snowflake message_id{};                       ///< the message carrying the button
    std::optional<std::uint64_t> message_flags{}; ///< that message's flags, when known
    std::string_view custom_id{};                 ///< e.g. "MJ::JOB::upsample::1::<hash>"
    int component_type = 2;
};

/// An application command as GET .../commands returns it (the fields a
/// client needs to run it).
struct application_command {
    snowflake id{};
    snowflake application_id{};
    snowflake version{};
    json::raw name;
    std::optional<int> type{};
    std::optional<json::raw> description{};
    std::optional<json::raw> options{};
};

namespace detail {
/// Appends `,"key":"<id>"`.
inline void append_id(std::string& out, std::string_view key, snowflake v) {
    out.append(",\"").append(key).append("\":\"").append(to_chars(v).view()).append("\"");
}
/// Writes the start both interaction bodies share: {"type":T, the ids,
/// session_id, nonce. Errors: json::errc::invalid_utf8 (session id).
inline std::error_code begin_interaction(std::string& out, int type, snowflake application_id, std::optional<snowflake> guild_id,
                                         snowflake channel_id, std::string_view session_id, snowflake nonce) {
    out.append("{\"type\":");
    discord::detail::append_number(out, static_cast<std::int64_t>(type));
    append_id(out, "application_id", application_id);
    if (guild_id) append_id(out, "guild_id", *guild_id);
    append_id(out, "channel_id", channel_id);
    out.append(",\"session_id\":");
    const std::error_code ec = json::write(session_id, out);
    append_id(out, "nonce", nonce);
    return ec;
}
} // namespace detail

/// Writes the body of a type 2 interaction. Errors: errc::invalid_argument
/// (empty session id or command name), json::errc::invalid_utf8.
inline std::error_code write_command_interaction(std::string& out, const command_interaction& c) {
    if (c.session_id.empty() || c.command_name.empty()) return errc::invalid_argument;
    const std::size_t mark = out.size();
    std::error_code ec = detail::begin_interaction(out, 2, c.application_id, c.guild_id, c.channel_id, c.session_id, c.nonce);
    out.append(",\"data\":{\"version\":\"").append(to_chars(c.command_version).view());
    out.append("\",\"id\":\"").append(to_chars(c.command_id).view()).append("\",\"name\":");
    if (!ec) ec = json::write(c.command_name, out);
    out.append(",\"type\":");
    discord::detail::append_number(out, static_cast<std::int64_t>(c.command_type));
    out.append(",\"options\":[");
    for (std::size_t i = 0; i < c.options.size() && !ec; ++i) {
        const command_option& o = c.options[i];
        if (i) out.push_back(',');
        out.append("{\"type\":");
        discord::detail::append_number(out, static_cast<std::int64_t>(o.type));
        out.append(",\"name\":");
        ec = json::write(o.name, out);
        out.append(",\"value\":");
        if (!ec) ec = o.raw_value ? json::write(*o.raw_value, out) : json::write(o.value, out);
        out.push_back('}');
    }
    out.append("]}}");
    return discord::detail::finish(out, mark, ec);
}

/// Writes the body of a type 3 interaction. Errors: errc::invalid_argument
/// (empty session id or custom id; a custom id over 100 bytes),
/// json::errc::invalid_utf8.
inline std::error_code write_component_interaction(std::string& out, const component_interaction& c) {
    if (c.session_id.empty() || c.custom_id.empty() || c.custom_id.size() > 100) return errc::invalid_argument;
    const std::size_t mark = out.size();
    std::error_code ec = detail::begin_interaction(out, 3, c.application_id, c.guild_id, c.channel_id, c.session_id, c.nonce);
    detail::append_id(out, "message_id", c.message_id);
    if (c.message_flags) {
        out.append(",\"message_flags\":");
        discord::detail::append_number(out, *c.message_flags);
    }
    out.append(",\"data\":{\"component_type\":");
    discord::detail::append_number(out, static_cast<std::int64_t>(c.component_type));
    out.append(",\"custom_id\":");
    if (!ec) ec = json::write(c.custom_id, out);
    out.append("}}");
    return discord::detail::finish(out, mark, ec);
}

/// The REST machine.
class client {
public:
    explicit client(const config& c)
        : authorization_(c.authorization), host_(c.host), api_(c.api), user_agent_(c.user_agent), slots_(c.max_requests),
          max_retries_(c.max_retries), timeout_(c.timeout), max_retry_after_(c.max_retry_after) {}

    /// Queues a request to `path` (after the api prefix, e.g. "/interactions")
    /// with a JSON body written by `write_body(std::string&)` (returns void or
    /// std::error_code; write nothing for no body). Sets `id`.
    /// Errors (nothing queued): errc::rest_queue_full, errc::invalid_argument
    /// (a method or path HTTP refuses), the writer's error.
    template <class BodyWriter>
        requires std::is_invocable_v<BodyWriter&, std::string&>
    std::error_code submit(std::string_view method, std::string_view path, BodyWriter&& write_body, instant now, std::uint64_t& id) {
        now = clock_(now);
        slot* s = free_slot();
        if (!s) return errc::rest_queue_full;
        // Body first (into the scratch), then the request around it.
        scratch_.clear();
        if constexpr (std::is_same_v<decltype(write_body(scratch_)), std::error_code>) {
            if (std::error_code ec = write_body(scratch_)) return ec;
        } else {
            write_body(scratch_);
        }
        std::string& t = s->text;
        t.clear();
        target_.assign(api_).append(path);
        http::request_writer w(t, method, target_);
        w.header("Host", host_).header("Authorization", authorization_).header("User-Agent", user_agent_);
        if (!scratch_.empty()) w.header("Content-Type", "application/json");
        if (w.finish(scratch_)) return errc::invalid_argument;
        // Locate the parts for message-mode HTTP libraries.
        s->method_size = static_cast<std::uint32_t>(method.size());
        s->target_offset = s->method_size + 1;
        s->target_size = static_cast<std::uint32_t>(target_.size());
        s->headers_offset = static_cast<std::uint32_t>(t.find("\r\n") + 2);
        s->body_offset = static_cast<std::uint32_t>(t.size() - scratch_.size());
        s->headers_size = s->body_offset - 2 - s->headers_offset;
        s->body_size = static_cast<std::uint32_t>(scratch_.size());
        s->id = id = ++last_id_;
        s->attempts = 0;
        emit(*s, now);
        return {};
    }
    std::error_code submit(std::string_view method, std::string_view path, std::string_view json_body, instant now, std::uint64_t& id) {
        return submit(method, path, [&](std::string& out) { out.append(json_body); }, now, id);
    }

    /// GET /applications/{app}/commands, or the guild's commands with `guild`.
    /// The response body reads into std::vector<application_command>.
    std::error_code get_application_commands(snowflake app, std::optional<snowflake> guild, instant now, std::uint64_t& id) {
        path_.assign("/applications/").append(to_chars(app).view());
        if (guild) path_.append("/guilds/").append(to_chars(*guild).view());
        path_.append("/commands");
        return submit("GET", path_, [](std::string&) {}, now, id);
    }

    /// POST /interactions type 2. Errors as submit and write_command_interaction.
    std::error_code post_interaction(const command_interaction& c, instant now, std::uint64_t& id) {
        return submit("POST", "/interactions", [&](std::string& out) { return write_command_interaction(out, c); }, now, id);
    }
    /// POST /interactions type 3. Errors as submit and write_component_interaction.
    std::error_code post_interaction(const component_interaction& c, instant now, std::uint64_t& id) {
        return submit("POST", "/interactions", [&](std::string& out) { return write_component_interaction(out, c); }, now, id);
    }

    /// The response to request `id`. `headers` are the response headers
    /// (names case-insensitive). Errors: errc::unknown_request (not in flight:
    /// never submitted, already answered, failed or timed out); nothing changes.
    std::error_code on_response(std::uint64_t id, std::uint16_t status, std::span<const http::field> headers, std::string_view body,
                                instant now) {
        now = clock_(now);
        slot* s = find(id);
        if (!s || s->state != slot_state::in_flight) return errc::unknown_request;
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            duration wait = std::chrono::seconds(1) * (1 << (s->attempts < 6 ? s->attempts : 6));
            bool global = false;
            if (status == 429) wait = retry_after(headers, body, global);
            if (s->attempts >= max_retries_ || wait > max_retry_after_) {
                finish(*s, action_kind::response, status == 429 ? errc::rest_rate_limited : errc::http_error, status, body);
            } else {
                ++s->attempts;
                s->state = slot_state::waiting;
                s->deadline = now + wait;
                if (global && now + wait > paused_until_) paused_until_ = now + wait;
                recompute();
            }
            return {};
        }
        std::error_code ec;
        if (status == 401 || status == 403) ec = errc::unauthorized;
        else if (status == 404) ec = errc::not_found;
        else if (status < 200 || status >= 300) ec = errc::http_error;
        finish(*s, action_kind::response, ec, status, body);
        return {};
    }

    /// Request `id` failed at the transport (no response). It is not retried.
    /// Errors: errc::unknown_request.
    std::error_code on_failure(std::uint64_t id, instant now) {
        now = clock_(now);
        slot* s = find(id);
        if (!s || s->state != slot_state::in_flight) return errc::unknown_request;
        finish(*s, action_kind::failed, errc::connection_lost, 0, {});
        return {};
    }

    /// Sends due retries, fails requests past their timeout.
    void handle_timeout(instant now) {
        now = clock_(now);
        if (now < next_) return;
        for (slot& s : slots_) {
            if (s.state == slot_state::in_flight && s.deadline <= now) finish(s, action_kind::failed, errc::request_timeout, 0, {});
            else if (s.state == slot_state::waiting && s.deadline <= now && paused_until_ <= now) emit(s, now);
        }
        recompute();
    }
    instant next_deadline() const noexcept { return next_; }
    const entry* poll() noexcept { return queue_.poll(); }

    /// Requests submitted and not finished yet.
    std::size_t pending() const noexcept {
        std::size_t n = 0;
        for (const slot& s : slots_) n += s.state != slot_state::free;
        return n;
    }

private:
    enum class slot_state : std::uint8_t { free, waiting, in_flight };
    struct slot {
        std::string text; // the HTTP request; capacity kept across uses
        instant deadline = instant::never();
        std::uint64_t id = 0;
        std::uint32_t method_size = 0, target_offset = 0, target_size = 0, headers_offset = 0, headers_size = 0, body_offset = 0,
                      body_size = 0;
        std::uint8_t attempts = 0;
        slot_state state = slot_state::free;
    };

    slot* free_slot() noexcept {
        for (slot& s : slots_)
            if (s.state == slot_state::free) return &s;
        return nullptr;
    }
    slot* find(std::uint64_t id) noexcept {
        for (slot& s : slots_)
            if (s.state != slot_state::free && s.id == id) return &s;
        return nullptr;
    }

    // Hands the request out now, or holds it while a global 429 lasts.
    void emit(slot& s, instant now) {
        if (paused_until_ > now) {
            s.state = slot_state::waiting;
            s.deadline = paused_until_;
            recompute();
            return;
        }
        action a;
        a.kind = action_kind::request;
        a.id = s.id;
        a.attempts = s.attempts;
        a.method_size = s.method_size;
        a.target_offset = s.target_offset;
        a.target_size = s.target_size;
        a.headers_offset = s.headers_offset;
        a.headers_size = s.headers_size;
        a.body_offset = s.body_offset;
        a.body_size = s.body_size;
        queue_.push(a, s.text);
        s.state = slot_state::in_flight;
        s.deadline = now + timeout_;
        recompute();
    }

    void finish(slot& s, action_kind k, std::error_code ec, std::uint16_t status, std::string_view body) {
        action a;
        a.kind = k;
        a.id = s.id;
        a.status = status;
        a.attempts = s.attempts;
        a.error = ec;
        queue_.push(a, body);
        s.state = slot_state::free;
        s.deadline = instant::never();
        recompute();
    }

    void recompute() noexcept {
        instant m = instant::never();
        for (const slot& s : slots_)
            if (s.state != slot_state::free && s.deadline < m) m = s.deadline;
        next_ = m;
    }

    // Discord's wait: the larger of the body's retry_after (seconds, may be
    // fractional) and the Retry-After header (seconds).
    static duration retry_after(std::span<const http::field> headers, std::string_view body, bool& global) {
        struct limit_body {
            std::optional<double> retry_after;
            std::optional<bool> global;
        } b;
        double secs = 0;
        if (!json::read(b, body)) {
            if (b.retry_after && *b.retry_after > 0) secs = *b.retry_after;
            global = b.global.value_or(false);
        }
        for (const http::field& f : headers) {
            if (http::iequals(f.name, "retry-after")) {
                double h = 0;
                const std::string_view v = http::trim_ows(f.value);
                if (!json::read(h, v) && h > secs) secs = h;
            } else if (http::iequals(f.name, "x-ratelimit-global")) {
                global = global || http::iequals(http::trim_ows(f.value), "true");
            }
        }
        if (secs <= 0) secs = 1;
        if (secs > 1e6) secs = 1e6;
        return duration(static_cast<duration::rep>(secs * 1e9));
    }

    std::string authorization_, host_, api_, user_agent_;
    std::vector<slot> slots_;
    std::string scratch_; // the body being written
    std::string target_;  // the target being written
    std::string path_;    // builders' paths
    action_queue<action> queue_;
    monotonic_clamp clock_;
    instant next_ = instant::never();
    instant paused_until_ = instant::from_ns(std::numeric_limits<std::int64_t>::min()); // no global 429 yet
    std::uint64_t last_id_ = 0;
    std::uint32_t max_retries_;
    duration timeout_;
    duration max_retry_after_;
};

} // namespace sluice::discord::rest
