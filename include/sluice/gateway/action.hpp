#pragma once
// sluice/gateway/action.hpp: what the gateway engine hands out.
//
// The caller drains actions with a poll loop:
//
//     while (const gateway::entry* e = machine.poll()) {
//         switch (e->action.kind) {
//         case gateway::action_kind::send:  transport.send(e->bytes); break;
//         case gateway::action_kind::open:  transport.open(open_request::parse(e->bytes)); break;
//         case gateway::action_kind::close: transport.close(e->action.close_code); break;
//         case gateway::action_kind::identify_wanted: cluster.ask_permit(shard); break;
//         case gateway::action_kind::dispatch: handle(gateway::name(*e), gateway::data(*e)); break;
//         ...
//         }
//     }
//     timer.arm(machine.next_deadline());
//
// `e->bytes` and every view taken from it stay valid until the next mutating
// call on the machine (poll() itself does not invalidate earlier entries'
// bytes; the next on_*/send/handle_timeout call may).
//
// Includes: <cstdint>, <string_view>, <system_error>; core/action_queue.hpp
// for the entry type; core/transport.hpp for transport_op and message_type.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/transport.hpp>

namespace sluice::gateway {

/// What an action asks of the caller.
enum class action_kind : std::uint8_t {
    send,            ///< transport: send `bytes` as one message (op = send, see `type`)
    open,            ///< transport: drop the old transport, open `bytes` (open_request), tag it with `generation`
    close,           ///< transport: close with `close_code` (`bytes` = reason)
    identify_wanted, ///< the machine waits to identify: call grant_identify() when the cluster allows it
    ready,           ///< a new session is established; `bytes` = the ready message
    resumed,         ///< the session was resumed; `bytes` = the message that said so
    dispatch,        ///< an event from the server; `bytes` = the message, name()/data() its parts
    notice,          ///< something happened (`error`) and the machine now does `next`
};

/// What the machine does after a notice.
enum class next_step : std::uint8_t {
    none,        ///< carries on as before
    resume,      ///< reconnects and resumes the session
    new_session, ///< reconnects with a new session (identify)
    stop,        ///< stops: the session is closed or failed; start() again to retry
};

constexpr std::string_view to_string(action_kind k) noexcept {
    switch (k) {
    case action_kind::send: return "send";
    case action_kind::open: return "open";
    case action_kind::close: return "close";
    case action_kind::identify_wanted: return "identify_wanted";
    case action_kind::ready: return "ready";
    case action_kind::resumed: return "resumed";
    case action_kind::dispatch: return "dispatch";
    case action_kind::notice: return "notice";
    }
    return "?";
}

constexpr std::string_view to_string(next_step n) noexcept {
    switch (n) {
    case next_step::none: return "none";
    case next_step::resume: return "resume";
    case next_step::new_session: return "new_session";
    case next_step::stop: return "stop";
    }
    return "?";
}

/// One action. The first three members are what core's `message_machine`
/// concept requires of every machine's action (byte-mode codecs read them).
struct action {
    transport_op op = transport_op::none; ///< send/open/close for transport actions, else none
    message_type type = message_type::text;
    std::uint16_t close_code = 0; ///< close: the code to send; notice: the peer's close code (0 = none)
    action_kind kind = action_kind::notice;
    next_step next = next_step::none; ///< notice: what the machine does now
    bool has_seq = false;             ///< ready/resumed/dispatch: `seq` is set
    bool resume = false;              ///< open: this connection resumes a session
    std::uint32_t generation = 0;     ///< the transport generation the action belongs to
    std::uint32_t name_offset = 0;    ///< event name within `bytes`
    std::uint32_t name_size = 0;
    std::uint32_t data_offset = 0;    ///< raw payload within `bytes`
    std::uint32_t data_size = 0;
    std::uint64_t seq = 0;            ///< the message's sequence number (when has_seq)
    std::int64_t code = 0;            ///< the protocol's op or error code; for connect_failed, the HTTP status
    std::error_code error;            ///< notice: what happened
};

/// A polled action with its payload bytes.
using entry = action_queue<action>::entry;

namespace detail {
constexpr std::string_view slice(std::string_view s, std::uint32_t offset, std::uint32_t size) noexcept {
    if (offset > s.size()) return {};
    const std::size_t n = s.size() - offset < size ? s.size() - offset : size;
    return {s.data() + offset, n};
}
} // namespace detail

/// The event name of a ready/resumed/dispatch/notice entry ("" if none).
constexpr std::string_view name(const entry& e) noexcept {
    return detail::slice(e.bytes, e.action.name_offset, e.action.name_size);
}
/// The raw payload (JSON text) of a ready/resumed/dispatch/notice entry ("" if none).
constexpr std::string_view data(const entry& e) noexcept {
    return detail::slice(e.bytes, e.action.data_offset, e.action.data_size);
}

} // namespace sluice::gateway
