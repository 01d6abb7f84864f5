#pragma once
// sluice/discord/close_codes.hpp: the Discord gateway's opcodes and close
// codes, and what each close code means for the session.
//
// The close-code table is exactly PROTOCOLS.md's:
//   resume        4000 4001 4002 4003 4005 4008 (and any other code, and a drop)
//   new session   4007 4009
//   never again   4004 4010 4011 4012 4013 4014
// Codes the server sends that are not in the table (1000, 1001, 1006, 1011,
// a future 4xxx) are treated as a dropped connection: resume.
//
// Includes: <cstdint>, <string_view>, <system_error>; gateway/policy.hpp for
// close_verdict; discord/errc.hpp for the precise error of each close code.
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/discord/errc.hpp>
#include <sluice/gateway/policy.hpp>

namespace sluice::discord {

/// Gateway opcodes; "both" ops travel in either direction.
enum class opcode : std::int32_t {
    dispatch = 0,              ///< server → client: an event (t, s, d)
    heartbeat = 1,             ///< both: client beat; from the server, "beat now"
    identify = 2,              ///< client → server
    presence_update = 3,       ///< client → server
    voice_state_update = 4,    ///< client → server
    resume = 6,                ///< client → server
    reconnect = 7,             ///< server → client: reconnect and resume
    request_guild_members = 8, ///< client → server
    invalid_session = 9,       ///< server → client: d = resumable
    hello = 10,                ///< server → client: d.heartbeat_interval
    heartbeat_ack = 11,        ///< server → client
};

constexpr std::string_view to_string(opcode op) noexcept {
    switch (op) {
    case opcode::dispatch: return "dispatch";
    case opcode::heartbeat: return "heartbeat";
    case opcode::identify: return "identify";
    case opcode::presence_update: return "presence_update";
    case opcode::voice_state_update: return "voice_state_update";
    case opcode::resume: return "resume";
    case opcode::reconnect: return "reconnect";
    case opcode::request_guild_members: return "request_guild_members";
    case opcode::invalid_session: return "invalid_session";
    case opcode::hello: return "hello";
    case opcode::heartbeat_ack: return "heartbeat_ack";
    }
    return "unknown";
}

/// One row of the close-code table.
struct close_code_info {
    std::uint16_t code;
    std::string_view name;
    gateway::close_verdict verdict;
    errc error; ///< the precise error a notice with this code maps to
};

/// Discord's close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
inline constexpr close_code_info close_codes[] = {
    {4000, "unknown error", gateway::close_verdict::resume, errc::unknown_error},
    {4001, "unknown opcode", gateway::close_verdict::resume, errc::unknown_opcode},
    {4002, "decode error", gateway::close_verdict::resume, errc::decode_error},
    {4003, "not authenticated", gateway::close_verdict::resume, errc::not_authenticated},
    {4004, "authentication failed", gateway::close_verdict::fatal, errc::authentication_failed},
    {4005, "already authenticated", gateway::close_verdict::resume, errc::already_authenticated},
    {4007, "invalid seq", gateway::close_verdict::new_session, errc::invalid_seq},
    {4008, "rate limited", gateway::close_verdict::resume, errc::gateway_rate_limited},
    {4009, "session timed out", gateway::close_verdict::new_session, errc::session_timed_out},
    {4010, "invalid shard", gateway::close_verdict::fatal, errc::invalid_shard},
    {4011, "sharding required", gateway::close_verdict::fatal, errc::sharding_required},
    {4012, "invalid API version", gateway::close_verdict::fatal, errc::invalid_api_version},
    {4013, "invalid intent(s)", gateway::close_verdict::fatal, errc::invalid_intents},
    {4014, "disallowed intent(s)", gateway::close_verdict::fatal, errc::disallowed_intents},
};

/// The table row of `code`, or nullptr for a code Discord does not define.
constexpr const close_code_info* find_close_code(std::uint16_t code) noexcept {
    for (const auto& row : close_codes)
        if (row.code == code) return &row;
    return nullptr;
}

/// What a close code from the server means: the table's verdict, or resume
/// for any code not in it (a dropped connection is resumed too).
constexpr gateway::close_verdict close_code_verdict(std::uint16_t code) noexcept {
    const close_code_info* row = find_close_code(code);
    return row ? row->verdict : gateway::close_verdict::resume;
}

/// The precise error for a close code from the server (errc::transport_closed
/// style codes are the engine's; this names Discord's reason), or an empty
/// code for codes Discord does not define.
inline std::error_code close_code_error(std::uint16_t code) noexcept {
    const close_code_info* row = find_close_code(code);
    return row ? std::error_code(row->error) : std::error_code();
}

} // namespace sluice::discord
