#pragma once
// sluice/engineio/errc.hpp: the Engine.IO layer's precise error codes.
//
// Peer errors (a malformed packet, a missing ping) reach the caller inside a
// `disconnected` action together with what the session does next (reconnect
// at an instant, or stay closed); caller errors (sending before the
// handshake, a message over the server's maxPayload) are returned by the
// call that was refused, and nothing changes.
//
// Every code compares equal to one coarse sluice::condition:
//
//     if (ec == sluice::engineio::errc::ping_timeout) ...      // precise
//     if (ec == sluice::condition::timeout) ...                // coarse
//
// Includes: <system_error> for std::error_code and is_error_code_enum;
// core/error.hpp for condition, code_entry and table_category.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::engineio {

/// Precise errors of the Engine.IO layer. 0 is never used (it means success).
enum class errc : int {
    // the peer broke the protocol (the session closes the transport with 1002)
    empty_packet = 1,       ///< a text message with no packet type character
    unknown_packet_type,    ///< the packet type is not one of 0-6
    bad_handshake,          ///< the open packet's JSON is malformed or lacks sid/pingInterval/pingTimeout
    unexpected_packet,      ///< a packet that is not allowed now (a message before the open packet, a second open)
    message_too_large,      ///< an inbound message above config::max_message
    // the connection ended
    handshake_timeout,      ///< no open packet within config::connect_timeout of the open action
    ping_timeout,           ///< no ping within pingInterval + pingTimeout: the connection is dead
    transport_closed,       ///< the transport closed or dropped (see the close code in the action)
    server_closed,          ///< the server sent a close packet
    connect_failed,         ///< the transport closed before the handshake completed
    closed_by_client,       ///< the caller called close()
    // the caller's misuse (returned; nothing changes)
    not_open,               ///< the session is not open (before the handshake, or after a disconnect)
    already_started,        ///< start() on a session that is already connecting or open
    payload_too_large,      ///< the outgoing packet exceeds the server's maxPayload
    invalid_config,         ///< a configuration value is out of range (see config::validate)
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::empty_packet, "engine.io: empty packet", condition::protocol_violation},
    {errc::unknown_packet_type, "engine.io: unknown packet type", condition::protocol_violation},
    {errc::bad_handshake, "engine.io: malformed open packet", condition::protocol_violation},
    {errc::unexpected_packet, "engine.io: packet not allowed in this state", condition::protocol_violation},
    {errc::message_too_large, "engine.io: inbound message above the configured limit", condition::limit_exceeded},
    {errc::handshake_timeout, "engine.io: no open packet before the connect timeout", condition::timeout},
    {errc::ping_timeout, "engine.io: no ping within pingInterval + pingTimeout", condition::timeout},
    {errc::transport_closed, "engine.io: the transport closed", condition::closed},
    {errc::server_closed, "engine.io: the server closed the session", condition::closed},
    {errc::connect_failed, "engine.io: the transport closed before the handshake", condition::handshake_failed},
    {errc::closed_by_client, "engine.io: closed by the caller", condition::closed},
    {errc::not_open, "engine.io: the session is not open", condition::misuse},
    {errc::already_started, "engine.io: the session is already started", condition::misuse},
    {errc::payload_too_large, "engine.io: packet above the server's maxPayload", condition::limit_exceeded},
    {errc::invalid_config, "engine.io: configuration value out of range", condition::misuse},
};

} // namespace detail

/// The category of engineio::errc (name "sluice.engineio"); one object per program.
inline const std::error_category& engineio_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.engineio");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), engineio_category()}; }

} // namespace sluice::engineio

template <>
struct std::is_error_code_enum<sluice::engineio::errc> : std::true_type {};
