#pragma once
// sluice/discord/errc.hpp: the Discord layer's precise error codes.
//
// Three families:
//  - the reasons behind the server's close codes (4000-4014), so a notice
//    with close_code 4004 can be shown as "authentication failed"
//    (close_codes.hpp maps them);
//  - caller misuse of commands and decoders (returned, nothing changed);
//  - REST outcomes (in rest responses).
// The gateway engine's own codes (not connected, payload too large, rate
// limited, zombie, ...) stay gateway::errc.
//
// Includes: <system_error>; core/error.hpp for the table category.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::discord {

enum class errc : int {
    // ---- close codes from the server ----------------------------------
    unknown_error = 1,     ///< 4000: something went wrong on Discord's side; resume
    unknown_opcode,        ///< 4001: we sent an invalid opcode; resume
    decode_error,          ///< 4002: we sent an invalid payload; resume
    not_authenticated,     ///< 4003: we sent something before identifying; resume
    authentication_failed, ///< 4004: the token is wrong; never reconnect
    already_authenticated, ///< 4005: we identified twice; resume
    invalid_seq,           ///< 4007: the resume sequence was wrong; new session
    gateway_rate_limited,  ///< 4008: we sent too fast; resume
    session_timed_out,     ///< 4009: the session timed out; new session
    invalid_shard,         ///< 4010: the shard in identify is invalid; never reconnect
    sharding_required,     ///< 4011: the bot needs more shards; never reconnect
    invalid_api_version,   ///< 4012: the gateway version is wrong; never reconnect
    invalid_intents,       ///< 4013: the intents are invalid; never reconnect
    disallowed_intents,    ///< 4014: an intent is not enabled for the bot; never reconnect
    // ---- caller misuse ------------------------------------------------
    invalid_argument,      ///< a command argument is out of range (empty query, nonce over 32 bytes, ...)
    wrong_event,           ///< decode() of an entry into a type that does not match its event
    // ---- REST ---------------------------------------------------------
    rest_queue_full,       ///< the REST queue holds its configured maximum of requests
    unknown_request,       ///< a response for a request id that is not in flight
    unauthorized,          ///< HTTP 401 or 403
    not_found,             ///< HTTP 404
    http_error,            ///< another non-2xx status
    rest_rate_limited,     ///< HTTP 429 more times than the configured retries
    malformed_response,    ///< a response body that does not parse
    request_timeout,       ///< no response within the configured time
    connection_lost,       ///< the caller reported the request failed at the transport level
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::unknown_error, "Discord closed: unknown error (4000)", condition::closed},
    {errc::unknown_opcode, "Discord closed: unknown opcode (4001)", condition::protocol_violation},
    {errc::decode_error, "Discord closed: decode error (4002)", condition::protocol_violation},
    {errc::not_authenticated, "Discord closed: not authenticated (4003)", condition::protocol_violation},
    {errc::authentication_failed, "Discord closed: authentication failed (4004)", condition::handshake_failed},
    {errc::already_authenticated, "Discord closed: already authenticated (4005)", condition::protocol_violation},
    {errc::invalid_seq, "Discord closed: invalid seq (4007)", condition::protocol_violation},
    {errc::gateway_rate_limited, "Discord closed: rate limited (4008)", condition::limit_exceeded},
    {errc::session_timed_out, "Discord closed: session timed out (4009)", condition::timeout},
    {errc::invalid_shard, "Discord closed: invalid shard (4010)", condition::handshake_failed},
    {errc::sharding_required, "Discord closed: sharding required (4011)", condition::handshake_failed},
    {errc::invalid_api_version, "Discord closed: invalid API version (4012)", condition::handshake_failed},
    {errc::invalid_intents, "Discord closed: invalid intents (4013)", condition::handshake_failed},
    {errc::disallowed_intents, "Discord closed: disallowed intents (4014)", condition::handshake_failed},
    {errc::invalid_argument, "invalid command argument", condition::misuse},
    {errc::wrong_event, "the entry holds another event than the type asked for", condition::misuse},
    {errc::rest_queue_full, "REST queue full", condition::limit_exceeded},
    {errc::unknown_request, "no REST request with this id is in flight", condition::misuse},
    {errc::unauthorized, "REST request unauthorized (401/403)", condition::handshake_failed},
    {errc::not_found, "REST resource not found (404)", condition::invalid_data},
    {errc::http_error, "REST request failed with an HTTP error", condition::protocol_violation},
    {errc::rest_rate_limited, "REST request rate limited too many times (429)", condition::limit_exceeded},
    {errc::malformed_response, "REST response body does not parse", condition::invalid_data},
    {errc::request_timeout, "REST request timed out", condition::timeout},
    {errc::connection_lost, "REST request failed at the transport", condition::closed},
};

} // namespace detail

/// The category of discord::errc (name "sluice.discord").
inline const std::error_category& discord_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.discord");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), discord_category()}; }

} // namespace sluice::discord

template <>
struct std::is_error_code_enum<sluice::discord::errc> : std::true_type {};
