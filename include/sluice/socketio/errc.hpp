#pragma once
// sluice/socketio/errc.hpp: the Socket.IO layer's precise error codes.
//
// Three kinds, as everywhere in sluice:
//  - the server broke the protocol (a malformed packet, an attachment that
//    never announced itself): the session closes the transport with 1002,
//    reports the error in a `disconnected` action, and reconnects;
//  - an outcome the caller waits for: a namespace refused (CONNECT_ERROR),
//    a namespace the server disconnected, an ack that timed out or was lost
//    with its connection;
//  - the caller's misuse (emitting on a namespace that is not connected, an
//    argument list that is not a JSON array): returned, nothing changes.
//
// Includes: <system_error>; core/error.hpp for condition and table_category.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::socketio {

/// Precise errors of the Socket.IO layer. 0 is never used (it means success).
enum class errc : int {
    // the server broke the protocol (connection closed with 1002, then reconnect)
    empty_packet = 1,      ///< an Engine.IO message with no Socket.IO packet type
    unknown_packet_type,   ///< the packet type is not 0-6
    bad_attachments,       ///< a binary packet's "<n>-" attachment count is missing or malformed
    bad_ack_id,            ///< the ack id is above 2^53 - 1 (JavaScript's largest exact integer)
    bad_payload,           ///< the JSON payload is malformed or has the wrong shape for the packet type
    bad_placeholder,       ///< a binary placeholder's `num` is not an attachment index
    unexpected_binary,     ///< a binary message that no binary packet announced
    missing_attachments,   ///< a text packet arrived while attachments were still expected
    too_many_attachments,  ///< more attachments than config::max_attachments, or larger than max_attachment_bytes
    // outcomes
    namespace_refused,     ///< the server answered CONNECT with CONNECT_ERROR
    server_disconnect,     ///< the server sent DISCONNECT for the namespace (it is not rejoined)
    transport_lost,        ///< the Engine.IO session was lost; the namespace rejoins after the reconnect
    ack_timeout,           ///< no ACK arrived before the ack's deadline
    ack_lost,              ///< the connection (or the namespace) went away before the ACK arrived
    // the caller's misuse (returned; nothing changes)
    not_connected,         ///< the namespace is not connected (not joined, still connecting, refused or disconnected)
    unknown_namespace,     ///< the namespace was never joined
    already_joined,        ///< join() of a namespace that is already joined and not refused
    invalid_namespace,     ///< a namespace name that does not start with '/' or contains ',' or control characters
    invalid_args,          ///< the arguments are not a JSON array, or the auth payload not a JSON object
    invalid_event_name,    ///< the event name is empty, not UTF-8, or reserved (connect, connect_error, disconnect, ...)
    too_many_namespaces,   ///< more namespaces than config::max_namespaces
    too_many_pending_acks, ///< config::max_pending_acks acks are already pending
    invalid_config,        ///< a configuration value is out of range (see config::validate)
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::empty_packet, "socket.io: empty packet", condition::protocol_violation},
    {errc::unknown_packet_type, "socket.io: unknown packet type", condition::protocol_violation},
    {errc::bad_attachments, "socket.io: malformed attachment count", condition::protocol_violation},
    {errc::bad_ack_id, "socket.io: ack id out of range", condition::protocol_violation},
    {errc::bad_payload, "socket.io: malformed or misshapen JSON payload", condition::protocol_violation},
    {errc::bad_placeholder, "socket.io: binary placeholder without a matching attachment", condition::protocol_violation},
    {errc::unexpected_binary, "socket.io: binary message without a binary packet", condition::protocol_violation},
    {errc::missing_attachments, "socket.io: text packet while attachments were expected", condition::protocol_violation},
    {errc::too_many_attachments, "socket.io: attachments above the configured limit", condition::limit_exceeded},
    {errc::namespace_refused, "socket.io: the server refused the namespace (CONNECT_ERROR)", condition::handshake_failed},
    {errc::server_disconnect, "socket.io: the server disconnected the namespace", condition::closed},
    {errc::transport_lost, "socket.io: the connection was lost", condition::closed},
    {errc::ack_timeout, "socket.io: no ack before the deadline", condition::timeout},
    {errc::ack_lost, "socket.io: the connection went away before the ack", condition::closed},
    {errc::not_connected, "socket.io: the namespace is not connected", condition::misuse},
    {errc::unknown_namespace, "socket.io: the namespace was never joined", condition::misuse},
    {errc::already_joined, "socket.io: the namespace is already joined", condition::misuse},
    {errc::invalid_namespace, "socket.io: invalid namespace name", condition::misuse},
    {errc::invalid_args, "socket.io: arguments are not a JSON array (or auth not an object)", condition::misuse},
    {errc::invalid_event_name, "socket.io: empty or reserved event name", condition::misuse},
    {errc::too_many_namespaces, "socket.io: too many namespaces", condition::limit_exceeded},
    {errc::too_many_pending_acks, "socket.io: too many pending acks", condition::limit_exceeded},
    {errc::invalid_config, "socket.io: configuration value out of range", condition::misuse},
};

} // namespace detail

/// The category of socketio::errc (name "sluice.socketio"); one object per program.
inline const std::error_category& socketio_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.socketio");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), socketio_category()}; }

} // namespace sluice::socketio

template <>
struct std::is_error_code_enum<sluice::socketio::errc> : std::true_type {};
