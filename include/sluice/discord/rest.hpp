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
// Rate limits: requests wait (held in the machine, handed out later) for
// their route's bucket and for the global limit, as Discord's headers say
// (rate_limiter below: X-RateLimit-Bucket, -Limit, -Remaining, -Reset-After,
// -Global, -Scope; 50 requests a second across routes). The limiter is also
// usable alone by callers with their own HTTP queue. A 429 is never handed
// to you as a response: the request is sent again after the `retry_after`
// Discord gives (the larger of the body's retry_after and the Retry-After
// header), up to max_retries times, then it fails with
// errc::rest_rate_limited. A global 429 ("global": true, X-RateLimit-Global
// or scope global) holds every request until it passes; another holds its
// bucket. 502, 503 and 504 are retried after 1 s, 2 s, 4 s... A transport
// failure is not retried (a POST /interactions may have gone through): it
// fails with errc::connection_lost.
//
// Every request that goes in comes out exactly once: response (2xx, or
// another status with `error` set: unauthorized, not_found, http_error) or
// failed (rest_rate_limited, request_timeout, connection_lost).
//
// Memory: `max_requests` slots and the limiter's tables allocated at
// construction; each slot keeps its request text buffer across uses, so
// steady state allocates nothing.
// Views in polled entries are valid until the next mutating call.
//
// Includes: <chrono>, <cstdint>, <limits>, <optional>, <span>, <string>,
// <string_view>, <system_error>, <type_traits>, <utility> (as_const),
// <vector>; core (action queue, rate limiter for the global limit,
// snowflake, time); http (request writer,
// field, header syntax); json (read for 429 bodies and rate-limit headers,
// write for strings);
// discord/commands.hpp (number formatting), discord/errc.hpp,
// discord/types.hpp (json::raw payload types); gateway/action.hpp (slice).
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/rate_limiter.hpp>
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

// ---- rate limits -------------------------------------------------------------

/// A request's rate-limit route: "METHOD /path" with the major parameters
/// (channel, guild and webhook ids, a webhook's token) kept and every other
/// id (and token, emoji) replaced, as Discord keys its buckets. route_of()
/// builds it; it is two hashes, no text.
struct route {
    std::uint64_t key = 0;      ///< the route ("GET /channels/123/messages/{id}"): which bucket until Discord names it
    std::uint64_t major = 0;    ///< the major parameters alone (0: none); buckets are per bucket hash and major
    bool global_exempt = false; ///< an interaction endpoint: not counted against the global limit
};

namespace detail {
inline constexpr std::uint64_t fnv_basis = 1469598103934665603ull;
constexpr std::uint64_t fnv(std::uint64_t h, std::string_view s) noexcept {
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h;
}
constexpr bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}
// One bucket a (bucket hash, major parameters) pair; never 0 (0 marks a free entry).
constexpr std::uint64_t bucket_id(std::uint64_t bucket, std::uint64_t major) noexcept {
    const std::uint64_t h = (bucket ^ (major * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    return h ? h : 1;
}
} // namespace detail

/// The route of `method` on `path` (after the API prefix, e.g.
/// "/channels/1/messages/2"; a query string is ignored). Major parameters:
/// the id after /channels/, /guilds/ or /webhooks/, and a webhook's token;
/// other all-digit segments become {id}, an interaction's token {token}, a
/// reaction's emoji {emoji}. /interactions/... and /webhooks/{id}/{token}...
/// are exempt from the global limit (Discord does not count them).
constexpr route route_of(std::string_view method, std::string_view path) noexcept {
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    route r;
    std::uint64_t key = detail::fnv(detail::fnv_basis, method);
    std::uint64_t major = detail::fnv_basis;
    bool has_major = false;
    std::string_view prev2, prev;
    std::size_t index = 0; // of the segment
    std::string_view first;
    while (!path.empty()) {
        if (path.front() == '/') path.remove_prefix(1);
        const std::size_t end = path.find('/');
        const std::string_view seg = path.substr(0, end);
        path = end == std::string_view::npos ? std::string_view{} : path.substr(end);
        if (index == 0) first = seg;
        std::string_view as = seg;
        const bool major_id = (prev == "channels" || prev == "guilds" || prev == "webhooks") && detail::all_digits(seg);
        const bool webhook_token = prev2 == "webhooks" && detail::all_digits(prev) && !seg.empty();
        if (major_id || webhook_token) {
            major = detail::fnv(detail::fnv(major, "/"), seg);
            has_major = true;
            if (webhook_token && index == 2 && first == "webhooks") r.global_exempt = true;
        } else if (prev2 == "interactions" && detail::all_digits(prev)) {
            as = "{token}";
        } else if (prev == "reactions") {
            as = "{emoji}";
        } else if (detail::all_digits(seg)) {
            as = "{id}";
        }
        key = detail::fnv(detail::fnv(key, "/"), as);
        prev2 = prev;
        prev = seg;
        ++index;
    }
    r.key = key ? key : 1;
    r.major = has_major ? major : 0;
    if (first == "interactions") r.global_exempt = true;
    return r;
}

/// What X-RateLimit-Scope said about a 429.
enum class limit_scope : std::uint8_t {
    none,   ///< no 429, or no scope header
    user,   ///< the bot's own per-route (or global) limit
    global, ///< the bot's global limit
    shared, ///< the resource's shared limit (not the bot's fault; it still waits)
};

/// What a response taught the limiter (rate_limiter::on_response).
struct limit_feedback {
    bool limited = false;        ///< a 429
    bool global = false;         ///< the 429 holds every request ("global": true, X-RateLimit-Global, scope global)
    limit_scope scope = limit_scope::none;
    duration retry_after{};      ///< 429: how long to wait (the larger of the body's and Retry-After; 1 s when neither)
    bool has_bucket = false;     ///< X-RateLimit-Limit/-Remaining/-Reset-After were there
    std::uint32_t limit = 0;     ///< X-RateLimit-Limit
    std::uint32_t remaining = 0; ///< X-RateLimit-Remaining
    duration reset_after{};      ///< X-RateLimit-Reset-After
};

/// The answer to "may I send a request on this route now?".
struct permit {
    bool granted = false; ///< true: send it now (it was counted); false: ask again at `retry_at`
    instant retry_at{};   ///< when the route's bucket or the global limit lets it go
};

/// Rate-limit settings.
struct rate_limit_config {
    std::uint32_t global_per_second = 50; ///< requests a second across all routes (0: no global limit; at most 65535)
    std::uint32_t max_buckets = 64;       ///< buckets tracked at once (allocated at construction)
    std::uint32_t max_routes = 64;        ///< routes whose bucket hash is remembered (allocated at construction)
    duration max_reset_after = std::chrono::hours(1); ///< longer reset or retry times are cut to this
};

/// Discord's REST rate limits, sans-I/O: ask acquire() before sending a
/// request and send it only when granted (else ask again at `retry_at`);
/// feed every response's status, headers and body to on_response().
///
///  - Per-route buckets: X-RateLimit-Limit, -Remaining and -Reset-After of
///    a response set the bucket of its route (with its major parameters);
///    each request sent takes one from `remaining`; at 0 the route waits for
///    the reset, then `limit` more go (the next response corrects the
///    guess). X-RateLimit-Reset (wall-clock epoch) is not used: the machine
///    has no wall clock. A route whose bucket is unknown is not held.
///  - X-RateLimit-Bucket names the bucket: routes that report the same hash
///    (with the same major parameters) share one bucket.
///  - The global limit: at most global_per_second requests in any second,
///    interaction endpoints excepted (core's sliding-window limiter with 16
///    counters: it may refuse up to 1/15 s early, never lets more through).
///  - A 429: global ("global": true, X-RateLimit-Global: true or
///    X-RateLimit-Scope: global) holds every request for retry_after; else
///    the route's bucket is empty for retry_after.
///
/// Time going backwards is clamped. Memory: the bucket table and the route
/// table are allocated at construction; acquire() and
/// on_response() allocate nothing. When the bucket table is full, a bucket
/// whose window has ended (least recently used first) makes room; when none
/// has, the new bucket is not tracked (its route is not held; a 429 still
/// is). The route table forgets its least recently used route whose bucket
/// holds nothing (when every one holds, the new name is not kept). Lookups
/// are linear in the table sizes.
class rate_limiter {
public:
    explicit rate_limiter(const rate_limit_config& c = {})
        : buckets_(c.max_buckets), routes_(c.max_routes),
          global_({.limit = c.global_per_second ? c.global_per_second : 1, .window = std::chrono::seconds(1)}),
          max_reset_after_(c.max_reset_after), global_limited_(c.global_per_second != 0) {}

    /// When a request on `r` may go: `now` (or earlier) when it may go now,
    /// else the instant the bucket resets or the global limit allows it.
    /// Changes nothing.
    instant ready_at(const route& r, instant now) const noexcept {
        if (now < clock_.last()) now = clock_.last();
        instant t = now;
        if (global_until_ > t) t = global_until_;
        if (!r.global_exempt && global_limited_) {
            const instant free_at = global_.next_available(now);
            if (free_at > t) t = free_at;
        }
        if (const bucket* b = find(bucket_of(r))) {
            if (b->remaining == 0 && b->reset_at > t) t = b->reset_at;
        }
        return t;
    }

    /// Asks to send a request on `r` now. Granted: the request is counted
    /// (send it); refused: nothing changes, ask again at `retry_at`.
    permit acquire(const route& r, instant now) noexcept {
        now = clock_(now);
        const instant t = ready_at(r, now);
        if (t > now) return {false, t};
        if (!r.global_exempt && global_limited_) (void)global_.try_acquire(now); // fits: ready_at checked it
        if (bucket* b = find(bucket_of(r))) {
            if (b->reset_at <= now && b->limit) { // a new window: a full bucket, reset assumed as long as the last
                b->remaining = b->limit;
                b->reset_at = now + b->window;
            }
            if (b->remaining) --b->remaining;
            b->used = now;
        }
        return {true, now};
    }

    /// Feeds the response to a request on `r` (any status): its rate-limit
    /// headers (names case-insensitive) and, for a 429, its JSON body
    /// ({"retry_after": seconds, "global": bool}). Returns what it said.
    limit_feedback on_response(const route& r, std::uint16_t status, std::span<const http::field> headers, std::string_view body,
                               instant now) noexcept {
        now = clock_(now);
        limit_feedback f;
        std::string_view bucket_hash;
        bool has_limit = false, has_remaining = false, has_reset = false;
        double retry_secs = 0;
        for (const http::field& h : headers) {
            const std::string_view v = http::trim_ows(h.value);
            if (http::iequals(h.name, "x-ratelimit-bucket")) bucket_hash = v;
            else if (http::iequals(h.name, "x-ratelimit-limit")) has_limit = read_count(v, f.limit);
            else if (http::iequals(h.name, "x-ratelimit-remaining")) has_remaining = read_count(v, f.remaining);
            else if (http::iequals(h.name, "x-ratelimit-reset-after")) has_reset = read_seconds(v, f.reset_after);
            else if (http::iequals(h.name, "x-ratelimit-global")) f.global = f.global || http::iequals(v, "true");
            else if (http::iequals(h.name, "x-ratelimit-scope")) f.scope = scope_of(v);
            else if (http::iequals(h.name, "retry-after")) {
                double secs = 0;
                if (!json::read(secs, v) && secs > retry_secs) retry_secs = secs;
            }
        }
        if (!bucket_hash.empty()) name_bucket(r, detail::fnv(detail::fnv_basis, bucket_hash), now);
        f.has_bucket = has_remaining && has_reset;
        if (f.has_bucket) {
            if (bucket* b = slot(bucket_of(r), now)) {
                const instant reset = now + f.reset_after;
                if (has_limit) b->limit = f.limit;
                if (f.reset_after > duration::zero()) b->window = f.reset_after;
                // Within the window, requests still in flight have taken from our count: keep the smaller.
                if (b->reset_at <= now || f.remaining < b->remaining || b->unknown) b->remaining = f.remaining;
                if (b->reset_at <= now || reset > b->reset_at || b->unknown) b->reset_at = reset;
                b->unknown = false;
                b->used = now;
            }
        }
        if (status != 429) return f;
        f.limited = true;
        struct limit_body {
            std::optional<double> retry_after;
            std::optional<bool> global;
        } lb;
        if (!json::read(lb, body)) {
            if (lb.retry_after && *lb.retry_after > retry_secs) retry_secs = *lb.retry_after;
            f.global = f.global || lb.global.value_or(false);
        }
        f.global = f.global || f.scope == limit_scope::global;
        f.retry_after = retry_secs > 0 ? clamp_seconds(retry_secs) : std::chrono::seconds(1);
        const instant until = now + f.retry_after;
        if (f.global) {
            if (until > global_until_) global_until_ = until;
        } else if (bucket* b = slot(bucket_of(r), now)) {
            b->remaining = 0;
            if (until > b->reset_at || b->unknown) b->reset_at = until;
            b->unknown = false;
            b->used = now;
        }
        return f;
    }

    /// Until when a global 429 holds every request (in the past: none).
    instant global_hold() const noexcept { return global_until_; }
    /// Buckets tracked now.
    std::size_t buckets() const noexcept {
        std::size_t n = 0;
        for (const bucket& b : buckets_) n += b.id != 0;
        return n;
    }
    /// The bucket of `r` as known now: {limit, remaining, reset}; nullopt when untracked.
    struct bucket_state {
        std::uint32_t limit = 0; ///< 0: not known
        std::uint32_t remaining = 0;
        instant reset_at{};
    };
    std::optional<bucket_state> state(const route& r) const noexcept {
        const bucket* b = find(bucket_of(r));
        if (!b) return std::nullopt;
        return bucket_state{b->limit, b->remaining, b->reset_at};
    }

private:
    struct bucket {
        std::uint64_t id = 0; // 0: free
        instant reset_at{};   // the window ends; remaining refills then
        instant used{};       // last sent or answered (eviction order)
        duration window{};    // the last Reset-After, the guess for the next window
        std::uint32_t limit = 0, remaining = 0;
        bool unknown = true;  // just made: nothing learnt yet
    };
    struct route_entry {
        std::uint64_t key = 0; // 0: free
        std::uint64_t bucket = 0, major = 0;
        instant used{};
    };

    // The bucket hash Discord named for the route, or the route itself.
    std::uint64_t bucket_of(const route& r) const noexcept {
        for (const route_entry& e : routes_)
            if (e.key == r.key) return detail::bucket_id(e.bucket, r.major);
        return detail::bucket_id(r.key, r.major);
    }
    const bucket* find(std::uint64_t id) const noexcept {
        for (const bucket& b : buckets_)
            if (b.id == id) return &b;
        return nullptr;
    }
    bucket* find(std::uint64_t id) noexcept { return const_cast<bucket*>(std::as_const(*this).find(id)); }

    // The entry of bucket `id`, made (evicting an ended one) when missing; nullptr when the table is full of live ones.
    bucket* slot(std::uint64_t id, instant now) noexcept {
        if (bucket* b = find(id)) return b;
        bucket* victim = nullptr;
        for (bucket& b : buckets_) {
            if (b.id == 0) {
                victim = &b;
                break;
            }
            if (b.reset_at <= now && (!victim || b.used < victim->used)) victim = &b;
        }
        if (!victim) return nullptr;
        *victim = bucket{};
        victim->id = id;
        victim->reset_at = now;
        victim->used = now;
        return victim;
    }

    // Route `r` is in bucket `hash`: remember it; what was learnt under the route's old bucket moves along.
    void name_bucket(const route& r, std::uint64_t hash, instant now) noexcept {
        if (routes_.empty()) return;
        const std::uint64_t before = bucket_of(r);
        route_entry* e = nullptr;
        for (route_entry& x : routes_)
            if (x.key == r.key) e = &x;
        if (!e) { // a free entry, else the least recently used route whose bucket holds nothing
            const auto holding = [&](const route_entry& x) {
                const bucket* b = find(detail::bucket_id(x.bucket, x.major));
                return b && b->remaining == 0 && b->reset_at > now;
            };
            e = &routes_[0];
            bool e_holding = holding(*e);
            for (route_entry& x : routes_) {
                if (x.key == 0) {
                    e = &x;
                    break;
                }
                const bool h = holding(x);
                if ((e_holding && !h) || (e_holding == h && x.used < e->used)) {
                    e = &x;
                    e_holding = h;
                }
            }
            if (e->key != 0 && e_holding) return; // every route holds a live bucket: forget none of them
            e->key = r.key;
        }
        e->major = r.major;
        e->bucket = hash;
        e->used = now;
        const std::uint64_t after = detail::bucket_id(hash, r.major);
        if (after == before) return;
        if (bucket* old = find(before)) {
            if (!find(after)) old->id = after; // the first route to name it brings what it learnt
            else *old = bucket{};             // the shared bucket knows better
        }
    }

    duration clamp_seconds(double secs) const noexcept {
        const double cap = std::chrono::duration<double>(max_reset_after_).count();
        if (!(secs < cap)) secs = cap; // also NaN
        return duration(static_cast<duration::rep>(secs * 1e9));
    }
    bool read_seconds(std::string_view v, duration& out) const noexcept {
        double secs = 0;
        if (json::read(secs, v) || !(secs >= 0)) return false;
        out = clamp_seconds(secs);
        return true;
    }
    static bool read_count(std::string_view v, std::uint32_t& out) noexcept {
        if (v.empty() || v.size() > 9 || !detail::all_digits(v)) return false;
        std::uint32_t n = 0;
        for (const char c : v) n = n * 10 + static_cast<std::uint32_t>(c - '0');
        out = n;
        return true;
    }
    static limit_scope scope_of(std::string_view v) noexcept {
        if (http::iequals(v, "user")) return limit_scope::user;
        if (http::iequals(v, "global")) return limit_scope::global;
        if (http::iequals(v, "shared")) return limit_scope::shared;
        return limit_scope::none;
    }

    std::vector<bucket> buckets_;
    std::vector<route_entry> routes_;
    basic_rate_limiter<16> global_; // the global requests-a-second limit
    instant global_until_ = instant::from_ns(std::numeric_limits<std::int64_t>::min());
    duration max_reset_after_;
    bool global_limited_;
    monotonic_clamp clock_;
};

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
    rate_limit_config limits{};                          ///< per-route buckets and the global limit (rate_limiter)
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
          limiter_(c.limits), max_retries_(c.max_retries), timeout_(c.timeout), max_retry_after_(c.max_retry_after) {}

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
        s->bucket_route = route_of(method, path);
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
        const limit_feedback limits = limiter_.on_response(s->bucket_route, status, headers, body, now);
        if (status == 429 || status == 502 || status == 503 || status == 504) {
            duration wait = std::chrono::seconds(1) * (1 << (s->attempts < 6 ? s->attempts : 6));
            if (status == 429) wait = limits.retry_after; // the limiter holds the bucket (or everything) as long
            if (s->attempts >= max_retries_ || wait > max_retry_after_) {
                finish(*s, action_kind::response, status == 429 ? errc::rest_rate_limited : errc::http_error, status, body);
            } else {
                ++s->attempts;
                s->state = slot_state::waiting;
                s->deadline = now + wait;
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
            else if (s.state == slot_state::waiting && s.deadline <= now) emit(s, now);
        }
        recompute();
    }
    instant next_deadline() const noexcept { return next_; }
    const entry* poll() noexcept { return queue_.poll(); }

    /// The rate limits as learnt so far (buckets, the global hold).
    const rate_limiter& limits() const noexcept { return limiter_; }

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
        route bucket_route{}; // its rate-limit route
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

    // Hands the request out now, or holds it until its bucket or the global limit lets it go.
    void emit(slot& s, instant now) {
        if (const permit p = limiter_.acquire(s.bucket_route, now); !p.granted) {
            s.state = slot_state::waiting;
            s.deadline = p.retry_at;
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

    std::string authorization_, host_, api_, user_agent_;
    std::vector<slot> slots_;
    std::string scratch_; // the body being written
    std::string target_;  // the target being written
    std::string path_;    // builders' paths
    action_queue<action> queue_;
    rate_limiter limiter_;
    monotonic_clamp clock_;
    instant next_ = instant::never();
    std::uint64_t last_id_ = 0;
    std::uint32_t max_retries_;
    duration timeout_;
    duration max_retry_after_;
};

} // namespace sluice::discord::rest
