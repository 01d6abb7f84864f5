#pragma once
// sluice/discord/client.hpp: the Discord gateway client, a sans-I/O machine.
//
// The gateway engine (gateway/session.hpp) with the Discord policy, plus the
// Discord commands. Message mode (your WebSocket library carries whole text
// messages):
//
//     sluice::xoshiro256 rng(seed_from_os);
//     sluice::discord::client bot({.token = token, .intents = discord::intents::guild_messages}, rng);
//     bot.start(now);
//     loop:
//       while (auto* e = bot.poll()) switch (e->action.kind) {
//         case gateway::action_kind::open:  ws.connect(open_request::parse(e->bytes).url); break;
//         case gateway::action_kind::send:  ws.send_text(e->bytes); break;
//         case gateway::action_kind::close: ws.close(e->action.close_code); break;
//         case gateway::action_kind::identify_wanted: bot.grant_identify(now); break; // or ask your cluster
//         case gateway::action_kind::dispatch: on_event(*e); break;  // discord::decode(*e, msg)
//         case gateway::action_kind::notice: log(e->action.error, gateway::to_string(e->action.next)); break;
//         default: break;
//       }
//       wait for a message (bot.on_message), open/close (bot.on_open / bot.on_close),
//       or bot.next_deadline() (bot.handle_timeout).
//
// Byte mode: ws::session<discord::client> (ws/session.hpp) is one object
// with one receive(bytes, now); with zlib-stream, ws::session<zlib_stream<client>>.
//
// Everything the engine does is documented in gateway/session.hpp; notices
// with a close code from Discord map to precise reasons with
// discord::close_code_error(e->action.close_code).
//
// Includes: <system_error>; core/entropy.hpp, core/time.hpp;
// gateway/session.hpp; discord/commands.hpp, discord/policy.hpp.
#include <system_error>

#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/discord/commands.hpp>
#include <sluice/discord/policy.hpp>
#include <sluice/gateway/session.hpp>

namespace sluice::discord {

/// The Discord gateway client: gateway::session<discord::policy> with
/// Discord's commands. All of session's members are available (start,
/// close, grant_identify, on_open/on_message/on_close, handle_timeout,
/// next_deadline, poll, snapshot/restore, send, ...).
class client : public gateway::session<policy> {
    using base = gateway::session<policy>;

public:
    /// Renders identify from `c` (views in `c` are not kept). `rng` (heartbeat
    /// jitter, backoff, op 9 waits) must outlive the client.
    client(const config& c, entropy rng) : base(policy(c), rng, c.engine) {}

    /// A configuration error found at construction (empty token, bad shard,
    /// identify over the cap, ...), or empty. start() refuses while it is set.
    std::error_code config_error() const noexcept { return protocol().error(); }

    /// session::start(), refused with config_error() when the configuration is bad.
    std::error_code start(instant now) {
        if (std::error_code ec = config_error()) return ec;
        return base::start(now);
    }

    /// Op 3. Errors (nothing sent): gateway::errc::not_connected (not ready),
    /// payload_too_large (over 4096 bytes), rate_limited (the user share of
    /// 120 per 60 s is used up; retry later), discord::errc::invalid_argument.
    std::error_code update_presence(const presence_update& p, instant now) {
        return send_with([&](std::string& out) { return write_presence_update(out, p); }, now);
    }

    /// Op 4 (join, move or leave a voice channel). Errors as update_presence.
    std::error_code update_voice_state(const voice_state_update& v, instant now) {
        return send_with([&](std::string& out) { return write_voice_state_update(out, v); }, now);
    }

    /// Op 8 (the answer arrives as GUILD_MEMBERS_CHUNK dispatches). Errors as
    /// update_presence, and invalid_argument for a request that is neither a
    /// query nor a list of at most 100 user ids, or a nonce over 32 bytes.
    std::error_code request_guild_members(const guild_members_request& r, instant now) {
        return send_with([&](std::string& out) { return write_request_guild_members(out, r); }, now);
    }

    /// The session id from READY ("" before READY or after the session ended).
    std::string_view session_id() const noexcept { return session_info().id; }

    /// Heap bytes held (engine queue, session strings, identify and URL).
    std::size_t heap_bytes() const noexcept { return base::heap_bytes() + protocol().heap_bytes(); }
};

static_assert(message_machine<client>);

} // namespace sluice::discord
