#pragma once
// sluice/gateway/errc.hpp: the gateway engine's precise error codes.
//
// Two families, told apart by who caused them (ARCHITECTURE.md, contract 8):
//  - caller misuse: returned by the call that was wrong; the machine changed
//    nothing (send before ready, over the cap, over the rate, a grant nobody
//    asked for, a restore while running);
//  - peer and transport trouble: never returned, always reported as a
//    `notice` action that also says what the machine does next.
// Every code compares equal to one coarse sluice::condition.
//
// Includes: <system_error> for std::error_code; core/error.hpp for the table
// category and the coarse conditions.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::gateway {

/// Precise errors of the gateway engine. 0 is never used (it means success).
enum class errc : int {
    // ---- caller misuse: returned, nothing changed -------------------------
    not_connected = 1,   ///< send() before the session is ready, or after it closed
    already_running,     ///< start() while the session is already running
    not_running,         ///< an input (on_open, on_message, ...) while no transport is wanted
    stale_generation,    ///< an input tagged with an older transport's generation: ignored
    no_identify_pending, ///< grant_identify() while the machine is not waiting for a permit
    payload_too_large,   ///< the outbound message is over the configured cap; nothing was sent
    rate_limited,        ///< the send would exceed the send rate (slots kept for heartbeats); retry later
    session_running,     ///< restore() while the session is running; close() first
    invalid_session_data,///< restore() with data the protocol cannot resume from
    build_failed,        ///< a frame builder reported an error (e.g. a field over its limit)
    // ---- peer and transport trouble: reported in notices ------------------
    malformed_frame,        ///< the server sent something that does not parse as the protocol's frame
    unexpected_frame,       ///< a well-formed frame that makes no sense in the current state
    frame_too_large,        ///< an inbound message over the configured limit
    bad_heartbeat_interval, ///< hello carried a heartbeat interval outside the configured range
    zombie_connection,      ///< no heartbeat ack between two heartbeats: the connection is dead
    handshake_timeout,      ///< no hello, ready or resumed within the handshake timeout
    reconnect_requested,    ///< the server asked the client to reconnect
    session_invalidated,    ///< the server invalidated the session (resumable or not)
    transport_closed,       ///< the transport ended; the close code (if any) is in the notice
    connect_failed,         ///< the transport could not be opened (the notice carries the HTTP status, if any)
    fatal_close,            ///< the server closed with a code that forbids reconnecting
    server_error,           ///< the server reported an error frame
    heartbeat_skipped,      ///< a server-requested heartbeat was not sent: the send budget was used up
    gave_up,                ///< the reconnect attempts allowed by the configuration are used up
    closed_by_user,         ///< close() completed
    missing_session,        ///< the ready frame carried no usable session id
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::not_connected, "the gateway session is not ready for sending", condition::misuse},
    {errc::already_running, "the gateway session is already running", condition::misuse},
    {errc::not_running, "no transport is open or wanted", condition::misuse},
    {errc::stale_generation, "input from an older transport generation was ignored", condition::closed},
    {errc::no_identify_pending, "no identify is waiting for a permit", condition::misuse},
    {errc::payload_too_large, "outbound payload over the configured cap", condition::limit_exceeded},
    {errc::rate_limited, "send rate limit reached", condition::limit_exceeded},
    {errc::session_running, "cannot restore a session while running", condition::misuse},
    {errc::invalid_session_data, "session data cannot be resumed from", condition::misuse},
    {errc::build_failed, "building the outbound frame failed", condition::misuse},
    {errc::malformed_frame, "malformed frame from the server", condition::invalid_data},
    {errc::unexpected_frame, "frame not expected in the current state", condition::protocol_violation},
    {errc::frame_too_large, "inbound message over the configured limit", condition::limit_exceeded},
    {errc::bad_heartbeat_interval, "heartbeat interval out of range", condition::protocol_violation},
    {errc::zombie_connection, "no heartbeat ack between two heartbeats", condition::timeout},
    {errc::handshake_timeout, "no hello/ready within the handshake timeout", condition::timeout},
    {errc::reconnect_requested, "the server asked for a reconnect", condition::closed},
    {errc::session_invalidated, "the server invalidated the session", condition::closed},
    {errc::transport_closed, "the transport closed", condition::closed},
    {errc::connect_failed, "the transport could not be opened", condition::handshake_failed},
    {errc::fatal_close, "the server closed with a code that forbids reconnecting", condition::handshake_failed},
    {errc::server_error, "the server reported an error", condition::protocol_violation},
    {errc::heartbeat_skipped, "server-requested heartbeat skipped: send budget used up", condition::limit_exceeded},
    {errc::gave_up, "reconnect attempts used up", condition::limit_exceeded},
    {errc::closed_by_user, "the session was closed by the user", condition::closed},
    {errc::missing_session, "the ready frame carried no session id", condition::invalid_data},
};

} // namespace detail

/// The category of gateway::errc (name "sluice.gateway"); one object per program.
inline const std::error_category& gateway_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.gateway");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), gateway_category()}; }

} // namespace sluice::gateway

template <>
struct std::is_error_code_enum<sluice::gateway::errc> : std::true_type {};
