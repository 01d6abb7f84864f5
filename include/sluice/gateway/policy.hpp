#pragma once
// sluice/gateway/policy.hpp: what a protocol tells the gateway engine.
//
// The engine (session.hpp) is written once and names no protocol. A protocol
// is its message types plus a *policy*: an object the engine owns that
//  - classifies each inbound message into a `frame` (hello, ack, dispatch, ...);
//  - writes the frames the engine sends (identify, resume, heartbeat) and the
//    URL (plus header lines) of each connection, straight into the engine's
//    action arena;
//  - records what READY establishes (session id, resume URL);
//  - decides what a close code means (resume, new session, fatal);
//  - states its fixed facts in a constexpr `traits` aggregate.
// If a protocol needs an `if` inside the engine, a hook belongs here instead.
//
// How the five protocols map (issue 5 will implement the last three):
//
// | hook            | Discord                   | Nightingale              | i386chat           | singyeong            |
// |-----------------|---------------------------|--------------------------|--------------------|----------------------|
// | hello           | op 10 heartbeat_interval  | none (server_hello=false)| f 100 hb_int       | op 0 heartbeat_interval |
// | identify        | op 2                      | none (URL + header)      | f 110 present      | op 1                 |
// | ready           | dispatch READY (s = 1)    | op "ready" resumed=false | f 140              | op 2                 |
// | resumed         | dispatch RESUMED          | op "ready" resumed=true  | (cannot resume)    | (cannot resume)      |
// | resume          | op 6 to resume_gateway_url| /ws/resume/<id>, no frame| -                  | -                    |
// | heartbeat / ack | op 1 / op 11              | -                        | f 120 / echo 120   | op 5 / op 6          |
// | beat request    | op 1 from the server      | -                        | -                  | -                    |
// | reconnect       | op 7                      | -                        | GATEWAY_DOWN hint  | op 7 goodbye         |
// | invalid session | op 9 (d: resumable)       | -                        | -                  | op 3 invalid         |
// | server error    | -                         | -                        | f 150 (d: closing) | op 8 error (fatal)   |
// | beat before ready| yes                      | -                        | no (present first) | yes                  |
// | sequence        | s on op 0                 | -                        | s on f 130         | -                    |
// | refused upgrade | 401/403 stop, else resume | resume + 400/409: new    | 401/403 stop, else | 400/401/403/404 stop,|
// |  (HTTP status)  |  after backoff (default)  |  session now; 400 (fresh)| new session, after |  else new session    |
// |                 |                           |  401/403/404 stop; else  |  backoff (default) |  after backoff       |
// |                 |                           |  resume after backoff    |                    |                      |
//
// Optional hooks (detected with requires-expressions): on_open_refused(status)
// for a refused upgrade (a close_verdict, like close codes; new_session_now
// for "the session is gone, connect fresh at once"), reconnect_delay(close
// code) for the least wait before the next connection.
//
// Includes: <concepts>, <cstdint>, <cstddef>, <optional>, <string>,
// <string_view>, <system_error>, <utility> (as_const); core/time.hpp,
// core/transport.hpp (message_type).
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>

namespace sluice::gateway {

/// What an inbound message means to the engine.
enum class frame_kind : std::uint8_t {
    hello,             ///< the server's greeting; `heartbeat_interval` set (zero: no heartbeat)
    heartbeat_ack,     ///< the server acknowledged a heartbeat
    heartbeat_request, ///< the server asks for a heartbeat now
    dispatch,          ///< an event for the user; `name`, `data`, maybe `seq`
    ready,             ///< a new session is established (also delivered to the user)
    resumed,           ///< the session was resumed (also delivered to the user)
    reconnect,         ///< the server asks the client to reconnect and resume
    invalid_session,   ///< the session is invalid; `flag` = it may be resumed
    server_error,      ///< the server reports an error; `flag` = it is disconnecting us
    other,             ///< well-formed but unknown to the engine (delivered in a notice)
};

/// One classified inbound message. `name` and `data` must be views into the
/// message text passed to classify() (or empty): the engine copies the text
/// and keeps the views as offsets.
struct frame {
    frame_kind kind = frame_kind::other;
    bool flag = false;                 ///< invalid_session: resumable; server_error: fatal
    std::optional<std::uint64_t> seq;  ///< the sequence number the frame carries, if any
    duration heartbeat_interval{};     ///< hello only
    std::int64_t code = 0;             ///< the protocol's op or error code, for diagnostics
    std::string_view name;             ///< the event name (Discord `t`)
    std::string_view data;             ///< the raw payload (Discord `d`), JSON text
};

/// What the end of a connection means: the server's close code
/// (on_close_code) or its HTTP answer refusing the upgrade (on_open_refused).
/// Two separate properties: what the next connection is (resume, new
/// session, none) and when it goes (after the engine's backoff, or at once).
/// Only new_session_now skips the backoff; new_session waits it like resume.
enum class close_verdict : std::uint8_t {
    resume,          ///< reconnect and resume the session (falls back to a new one if impossible), after the backoff
    new_session,     ///< reconnect, forget the session, identify again, after the backoff
    fatal,           ///< do not reconnect: configuration or authorization is wrong
    /// Forget the session and connect fresh at once, without the backoff's
    /// wait: the server answered that the session being resumed is gone or
    /// taken (it is up, so waiting helps nothing and resuming again cannot
    /// work). The engine honours "at once" only when the connection that
    /// ended was opened to resume a session; after a fresh connection it is
    /// new_session (so no policy can make it reconnect in a tight loop). The
    /// fresh connect continues the refused attempt, not a new one: neither
    /// the count of config::max_reconnect_attempts nor the backoff moves
    /// (the server answered; if the fresh connect fails too, its retry waits
    /// the backoff from where it was). A reconnect_delay(code) hook still
    /// applies to close codes.
    new_session_now,
};

/// Whether a verdict reconnects with a new session (forgetting the old one).
constexpr bool starts_new_session(close_verdict v) noexcept {
    return v == close_verdict::new_session || v == close_verdict::new_session_now;
}

/// Whether a verdict reconnects without waiting the backoff (see new_session_now).
constexpr bool reconnects_at_once(close_verdict v) noexcept { return v == close_verdict::new_session_now; }

/// The meaning of a refused upgrade for a protocol that gives HTTP statuses
/// no meaning of its own (Discord, i386chat, and policies without the
/// on_open_refused hook): 401 and 403 stop (the credentials are wrong;
/// retrying cannot help), anything else (404 from a proxy, 429, 5xx, ...) is
/// retried like a dropped connection: the session is resumed when there is
/// one, after the backoff.
constexpr close_verdict default_open_refused(std::uint16_t status) noexcept {
    return status == 401 || status == 403 ? close_verdict::fatal : close_verdict::resume;
}

/// Which kind of connection the engine is opening.
enum class connect_kind : std::uint8_t {
    fresh,  ///< the original URL; identify follows
    resume, ///< the resume URL (or the protocol's resume form); resume follows
};

/// What a session is, to the engine and to a process that restarts: the
/// policy fills `id` and `resume_url` from the ready frame; the engine keeps
/// `seq`. Owned strings, allocated once a session.
struct session_data {
    std::string id;                   ///< session id ("" = no session)
    std::string resume_url;           ///< where to resume ("" = the policy's default)
    std::optional<std::uint64_t> seq; ///< last sequence received
};

/// A view of session_data, for export() and restore(); valid until the next
/// mutating call on the session that produced it.
struct session_snapshot {
    std::string_view id;
    std::string_view resume_url;
    std::optional<std::uint64_t> seq;
};

/// The fixed facts of a protocol, as a constexpr aggregate `P::traits`.
struct protocol_traits {
    bool server_hello = true;           ///< the server opens with hello (false: no heartbeat from the client)
    bool client_identifies = true;      ///< the client sends identify after hello (false: ready follows the open)
    bool resumable = true;              ///< a session can be resumed after a reconnect
    bool sequenced = true;              ///< dispatches carry sequence numbers; stale ones are dropped
    bool jitter_first_heartbeat = true; ///< first beat after interval * jitter (else after one interval)
    bool heartbeat_before_ready = true; ///< beat from hello on (false: nothing but identify before ready, as i386chat)
    std::uint16_t close_code_resume = 4000;    ///< our close when we will resume (never 1000/1001)
    std::uint16_t close_code_end = 1000;       ///< our close when the user ends the session
    std::uint16_t close_code_malformed = 4000; ///< our close after a malformed frame
    std::uint16_t close_code_too_large = 4000; ///< our close after an inbound message over the limit
    std::size_t max_inbound = 16u << 20;       ///< default inbound message limit
    std::size_t max_outbound = 4096;           ///< default outbound payload cap (0 = none)
    std::uint32_t rate_limit = 0;              ///< sends per window (0 = no limit)
    duration rate_window = duration::zero();   ///< the window of rate_limit
    duration invalid_session_delay_min = duration::zero(); ///< wait before identifying after an invalid session
    duration invalid_session_delay_max = duration::zero();
};

/// The policy concept. `P` is an object the engine owns (it holds the
/// protocol's configuration); every hook is called on it.
///
/// - `classify(text, type, f)`: parse one whole inbound message into `f`.
///   Return an error for anything that is not a frame of the protocol (the
///   engine reports errc::malformed_frame, closes and resumes). Must not
///   allocate in steady state.
/// - `on_ready(f, s)`: the ready frame `f` arrived: fill `s.id` (and
///   `s.resume_url` when the protocol has one). An error means the ready is
///   unusable (the engine reconnects with a new session).
/// - `write_open(out, kind, s)`: append the URL to open, then optionally
///   "\r\n" and header lines (core/transport.hpp `open_request`).
/// - `write_identify(out)`, `write_resume(out, s)`, `write_heartbeat(out, seq)`:
///   append one outbound message. write_resume returns false when resuming
///   sends no frame (the URL says it all).
/// - `on_close_code(code)`: what the server's close code means (any
///   close_verdict; see there for new_session_now).
template <class P>
concept protocol = requires(P& p, std::string_view text, message_type type, frame& f, std::string& out,
                            session_data& s, const session_data& cs, connect_kind kind,
                            std::optional<std::uint64_t> seq, std::uint16_t code) {
    { P::traits } -> std::convertible_to<protocol_traits>;
    { p.classify(text, type, f) } -> std::same_as<std::error_code>;
    { p.on_ready(std::as_const(f), s) } -> std::same_as<std::error_code>;
    { p.write_open(out, kind, cs) } -> std::same_as<void>;
    { p.write_identify(out) } -> std::same_as<void>;
    { p.write_resume(out, cs) } -> std::same_as<bool>;
    { p.write_heartbeat(out, seq) } -> std::same_as<void>;
    { p.on_close_code(code) } -> std::same_as<close_verdict>;
};

/// Optional hook: the least time to wait before reconnecting after the
/// server closed an open connection with `code` (`duration
/// reconnect_delay(std::uint16_t code)`), e.g. after "rate limited" or
/// "shutting down". The engine waits the longer of this and its backoff
/// (whose first reconnect after a ready session is at once). Without the
/// hook, or for zero: the backoff alone. Not asked for fatal codes (there is
/// no reconnect) nor for closes the client started.
template <class P>
concept has_reconnect_delay_hook = requires(P& p, std::uint16_t code) {
    { p.reconnect_delay(code) } -> std::convertible_to<duration>;
};

/// Optional hook: what an HTTP status refusing the upgrade means
/// (`close_verdict on_open_refused(std::uint16_t status)`; status 0 when the
/// caller could not read one). Called once for each refused connection, with
/// the policy's view of that connection (write_open was its last call about
/// it, so a policy knows whether the refused URL resumed). The engine then
/// does what the verdict says (see close_verdict): fatal stops (notice
/// connect_failed, next = stop); resume / new_session reconnect after the
/// backoff; new_session_now reconnects fresh at once after a refused resume.
/// The notice (connect_failed, `code` = the status) says which. Without the
/// hook: default_open_refused(status).
template <class P>
concept has_open_refused_hook = requires(P& p, std::uint16_t status) {
    { p.on_open_refused(status) } -> std::same_as<close_verdict>;
};

} // namespace sluice::gateway
