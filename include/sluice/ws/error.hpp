#pragma once
// sluice/ws/error.hpp: the error codes of the WebSocket layer.
//
// Peer errors carry the close code the codec sends for them (close_code_for);
// every code compares equal to one coarse sluice::condition.
//
// Includes: <cstdint>, <system_error>, <type_traits>; core/error.hpp.
#include <cstdint>
#include <system_error>
#include <type_traits>

#include <sluice/core/error.hpp>

namespace sluice::ws {

/// Precise WebSocket errors.
enum class errc : int {
    // The opening handshake (RFC 6455 §4.1): condition::handshake_failed.
    upgrade_refused = 1,    ///< the server answered with a status other than 101; see the event's http_status
    bad_upgrade_header,     ///< 101 without "Upgrade: websocket"
    bad_connection_header,  ///< 101 without "Connection: Upgrade"
    bad_accept,             ///< Sec-WebSocket-Accept missing or not base64(SHA-1(key + GUID))
    unrequested_subprotocol,///< the server chose a subprotocol the client did not offer
    unrequested_extension,  ///< the server chose an extension (the client offers none)
    bad_handshake_response, ///< the HTTP response itself was malformed or too large
    handshake_timeout,      ///< no complete response before the handshake deadline
    handshake_eof,          ///< the transport ended before the handshake completed
    // Frames from the server (RFC 6455 §5): condition::protocol_violation, close code 1002.
    reserved_bits,          ///< RSV1-3 set without a negotiated extension (§5.2)
    reserved_opcode,        ///< opcode 3-7 or 11-15 (§5.2)
    masked_frame,           ///< a server frame was masked (§5.1)
    fragmented_control,     ///< a control frame without FIN (§5.5)
    control_too_long,       ///< a control frame payload over 125 bytes (§5.5)
    non_minimal_length,     ///< a 16- or 64-bit length that fits a shorter form (§5.2)
    length_msb_set,         ///< a 64-bit length with its most significant bit set (§5.2)
    unexpected_continuation,///< a continuation frame with no message in progress (§5.4)
    expected_continuation,  ///< a new text/binary frame inside a fragmented message (§5.4)
    bad_close_payload,      ///< a close frame with a 1-byte payload (§5.5.1)
    invalid_close_code,     ///< a close code that must not appear on the wire (§7.4)
    // Payload data: condition::invalid_data, close code 1007.
    invalid_utf8,           ///< a text message that is not UTF-8 (§8.1)
    invalid_close_reason,   ///< a close reason that is not UTF-8 (§5.5.1)
    // Limits: condition::limit_exceeded, close code 1009.
    message_too_big,        ///< a message over client_options::max_message_size
    // The connection ended: condition::closed.
    closed_abnormally,      ///< the transport ended without a close handshake (1006)
    close_timeout,          ///< the server did not answer our close frame in time (1006)
    // Caller errors: condition::misuse; nothing changed.
    not_open,               ///< send/ping/close while the connection is not open (or after close)
    control_payload_too_long,///< ping payload over 125 bytes, or close reason over 123 bytes
    bad_close_code,         ///< close() with a code an endpoint may not send
    bad_close_reason,       ///< close() with a reason that is not UTF-8
    bad_url,                ///< a URL that is not ws://host[:port][/path] or wss://...
    bad_request_header,     ///< an extra header or subprotocol that is not valid HTTP
    already_started,        ///< start() while a connection is in progress
};

namespace detail {
inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::upgrade_refused, "server refused the WebSocket upgrade", condition::handshake_failed},
    {errc::bad_upgrade_header, "upgrade response lacks Upgrade: websocket", condition::handshake_failed},
    {errc::bad_connection_header, "upgrade response lacks Connection: Upgrade", condition::handshake_failed},
    {errc::bad_accept, "Sec-WebSocket-Accept missing or wrong", condition::handshake_failed},
    {errc::unrequested_subprotocol, "server chose a subprotocol that was not offered", condition::handshake_failed},
    {errc::unrequested_extension, "server chose an extension that was not offered", condition::handshake_failed},
    {errc::bad_handshake_response, "malformed HTTP response to the upgrade", condition::handshake_failed},
    {errc::handshake_timeout, "WebSocket handshake timed out", condition::handshake_failed},
    {errc::handshake_eof, "connection ended during the WebSocket handshake", condition::handshake_failed},
    {errc::reserved_bits, "reserved bits set in a frame", condition::protocol_violation},
    {errc::reserved_opcode, "reserved opcode", condition::protocol_violation},
    {errc::masked_frame, "server frame is masked", condition::protocol_violation},
    {errc::fragmented_control, "fragmented control frame", condition::protocol_violation},
    {errc::control_too_long, "control frame payload over 125 bytes", condition::protocol_violation},
    {errc::non_minimal_length, "frame length not in its shortest form", condition::protocol_violation},
    {errc::length_msb_set, "64-bit frame length with the top bit set", condition::protocol_violation},
    {errc::unexpected_continuation, "continuation frame without a message in progress", condition::protocol_violation},
    {errc::expected_continuation, "new message inside a fragmented message", condition::protocol_violation},
    {errc::bad_close_payload, "close frame payload of 1 byte", condition::protocol_violation},
    {errc::invalid_close_code, "invalid close code", condition::protocol_violation},
    {errc::invalid_utf8, "text message is not valid UTF-8", condition::invalid_data},
    {errc::invalid_close_reason, "close reason is not valid UTF-8", condition::invalid_data},
    {errc::message_too_big, "message exceeds the size limit", condition::limit_exceeded},
    {errc::closed_abnormally, "connection ended without a close handshake", condition::closed},
    {errc::close_timeout, "server did not answer the close frame in time", condition::closed},
    {errc::not_open, "the WebSocket is not open", condition::misuse},
    {errc::control_payload_too_long, "ping payload over 125 or close reason over 123 bytes", condition::misuse},
    {errc::bad_close_code, "close code not allowed for sending", condition::misuse},
    {errc::bad_close_reason, "close reason is not valid UTF-8", condition::misuse},
    {errc::bad_url, "not a ws:// or wss:// URL", condition::misuse},
    {errc::bad_request_header, "invalid extra header or subprotocol", condition::misuse},
    {errc::already_started, "a connection is already in progress", condition::misuse},
};
} // namespace detail

/// The category of ws::errc ("sluice.ws").
inline const std::error_category& ws_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.ws");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), ws_category()}; }

/// Standard close codes (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;  ///< reported, never sent: the close frame had no code
inline constexpr std::uint16_t abnormal = 1006;   ///< reported, never sent: no close frame at all
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
} // namespace close_code

/// The close code the codec sends when it fails with `e` (RFC 6455 §7.4.1):
/// 1002 for protocol errors, 1007 for bad UTF-8, 1009 for size, 1006 (nothing
/// sent) otherwise.
constexpr std::uint16_t close_code_for(errc e) noexcept {
    if (e >= errc::reserved_bits && e <= errc::invalid_close_code) return close_code::protocol_error;
    if (e == errc::invalid_utf8 || e == errc::invalid_close_reason) return close_code::invalid_payload;
    if (e == errc::message_too_big) return close_code::message_too_big;
    return close_code::abnormal;
}

/// Whether a close code may appear in a close frame (RFC 6455 §7.4): 1000-1003,
/// 1007-1014 (1012-1014 registered with IANA since) and 3000-4999. 1004-1006,
/// 1015, other codes below 3000 and 5000+ are protocol errors.
constexpr bool is_valid_close_code(std::uint16_t c) noexcept {
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

} // namespace sluice::ws

template <>
struct std::is_error_code_enum<sluice::ws::errc> : std::true_type {};
