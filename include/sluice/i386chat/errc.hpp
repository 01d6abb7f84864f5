#pragma once
// sluice/i386chat/errc.hpp: i386chat's close codes and the layer's precise
// error codes.
//
// Close codes (seed 002 and PROTOCOLS.md): the server closes with 4000-4005;
// every fatal server error is announced first by a function code 150 frame
// {"c": code, "d": true}. The client closes with 4000 after an inbound
// message over 4096 bytes and 4004 after a malformed frame, mirroring them.
//
// Includes: <cstdint>, <string_view>, <system_error>; core/error.hpp.
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::i386chat {

/// The gateway's close codes (also the `c` of a 150 error frame).
enum class close_code : std::uint16_t {
    payload_too_large = 4000, ///< a message over 4096 bytes
    timeout = 4001,           ///< no heartbeat in time
    rate_limited = 4002,      ///< too many messages
    shutting_down = 4003,     ///< the gateway is going down (after GATEWAY_DOWN)
    malformed_event = 4004,   ///< a frame that does not parse or an event the server refuses
    not_identified = 4005,    ///< anything but present before ready, or a refused token
};

constexpr std::string_view to_string(close_code c) noexcept {
    switch (c) {
    case close_code::payload_too_large: return "payload too large";
    case close_code::timeout: return "timeout";
    case close_code::rate_limited: return "rate limited";
    case close_code::shutting_down: return "shutting down";
    case close_code::malformed_event: return "malformed event";
    case close_code::not_identified: return "not identified";
    }
    return "unknown close code";
}

/// Precise errors of the i386chat layer. 0 is never used (it means success).
enum class errc : int {
    invalid_event_name = 1, ///< execute() with an empty event name, or one that needs escaping
    invalid_configuration,  ///< execute() with cnf text that is not one JSON value
    server_error,           ///< the server sent a 150 error frame (the event carries c and d)
    refused_token,          ///< the server closed with 4005: the token (or the client) was refused
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::invalid_event_name, "event name is empty or holds characters that need escaping", condition::misuse},
    {errc::invalid_configuration, "cnf is not one JSON value", condition::misuse},
    {errc::server_error, "the server reported an error (function code 150)", condition::protocol_violation},
    {errc::refused_token, "the server refused the client (close 4005: not identified)", condition::handshake_failed},
};

} // namespace detail

/// The category of i386chat::errc (name "sluice.i386chat"); one object per program.
inline const std::error_category& i386chat_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.i386chat");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), i386chat_category()}; }

} // namespace sluice::i386chat

template <>
struct std::is_error_code_enum<sluice::i386chat::errc> : std::true_type {};
