#pragma once
// sluice/discord/events.hpp: typed Discord events from the engine's entries.
//
// The engine delivers READY as action_kind::ready, RESUMED as resumed, and
// every other dispatch as dispatch, each with its name (`t`), sequence (`s`)
// and raw payload (`d`). Decode the ones you want:
//
//     switch (discord::event_of(*e)) {
//     case discord::event::message_create: {
//         discord::message m;                  // keep one around to reuse its vectors
//         if (auto ec = discord::decode(*e, m)) log(ec);
//         ...
//     }
//     case discord::event::other:              // any dispatch: your own type
//         json::read(my_type, gateway::data(*e));
//     }
//
// decode() reads `d` only (the envelope was checked when the message
// arrived) and never allocates except to grow std::vector members of `out`;
// decoding into the same object again reuses them. Views in `out` point into
// the entry's bytes: valid until the next mutating call on the machine.
//
// In byte mode (ws::session) pass the inner action and the bytes:
// decode(e->action.inner, e->bytes, out).
//
// Includes: <cstdint>, <cstring> (memcpy for name words), <string_view>, <system_error>,
// <type_traits> (is_constant_evaluated); gateway/action.hpp;
// json/read.hpp; discord/errc.hpp, discord/types.hpp.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <sluice/discord/errc.hpp>
#include <sluice/discord/types.hpp>
#include <sluice/gateway/action.hpp>
#include <sluice/json/read.hpp>

namespace sluice::discord {

/// The events with a typed form; `other` is every other dispatch (and
/// anything that is not an event).
enum class event : std::uint8_t {
    other,
    ready,
    resumed,
    message_create,
    message_update,
    message_delete,
    interaction_create,
};

constexpr std::string_view to_string(event e) noexcept {
    switch (e) {
    case event::other: return "other";
    case event::ready: return "READY";
    case event::resumed: return "RESUMED";
    case event::message_create: return "MESSAGE_CREATE";
    case event::message_update: return "MESSAGE_UPDATE";
    case event::message_delete: return "MESSAGE_DELETE";
    case event::interaction_create: return "INTERACTION_CREATE";
    }
    return "other";
}

namespace detail {
// Whether t (of name's size, 4 to 24 bytes) is name: two or three
// overlapping word loads a side, no call to memcmp (at run time).
constexpr bool same_name(std::string_view t, std::string_view name) noexcept {
    if (std::is_constant_evaluated() || t.size() != name.size() || t.size() < 4 || t.size() > 24) return t == name;
    const std::size_t n = name.size();
    if (n < 8) {
        std::uint32_t a, b, x, y;
        std::memcpy(&a, t.data(), 4);
        std::memcpy(&b, name.data(), 4);
        std::memcpy(&x, t.data() + n - 4, 4);
        std::memcpy(&y, name.data() + n - 4, 4);
        return ((a ^ b) | (x ^ y)) == 0;
    }
    std::uint64_t a, b, x, y, m = 0, k = 0;
    std::memcpy(&a, t.data(), 8);
    std::memcpy(&b, name.data(), 8);
    std::memcpy(&x, t.data() + n - 8, 8);
    std::memcpy(&y, name.data() + n - 8, 8);
    if (n > 16) {
        std::memcpy(&m, t.data() + 8, 8);
        std::memcpy(&k, name.data() + 8, 8);
    }
    return ((a ^ b) | (x ^ y) | (m ^ k)) == 0;
}
} // namespace detail

/// The event a dispatch name denotes.
constexpr event event_named(std::string_view t) noexcept {
    // By length first: this runs for every dispatch.
    const auto is = [t](std::string_view name) { return detail::same_name(t, name); };
    switch (t.size()) {
    case 5: return is("READY") ? event::ready : event::other;
    case 7: return is("RESUMED") ? event::resumed : event::other;
    case 14:
        if (t[8] == 'C') return is("MESSAGE_CREATE") ? event::message_create : event::other;
        if (t[8] == 'U') return is("MESSAGE_UPDATE") ? event::message_update : event::other;
        if (t[8] == 'D') return is("MESSAGE_DELETE") ? event::message_delete : event::other;
        return event::other;
    case 18: return is("INTERACTION_CREATE") ? event::interaction_create : event::other;
    default: return event::other;
    }
}

/// The event of an action (other for anything but ready/resumed/dispatch).
constexpr event event_of(const gateway::action& a, std::string_view bytes) noexcept {
    switch (a.kind) {
    case gateway::action_kind::ready: return event::ready;
    case gateway::action_kind::resumed: return event::resumed;
    case gateway::action_kind::dispatch: return event_named(gateway::detail::slice(bytes, a.name_offset, a.name_size));
    default: return event::other;
    }
}
constexpr event event_of(const gateway::entry& e) noexcept { return event_of(e.action, e.bytes); }

namespace detail {
template <class T>
constexpr bool matches(event) noexcept { return false; }
template <>
constexpr bool matches<message>(event e) noexcept { return e == event::message_create || e == event::message_update; }
template <>
constexpr bool matches<message_delete>(event e) noexcept { return e == event::message_delete; }
template <>
constexpr bool matches<interaction>(event e) noexcept { return e == event::interaction_create; }
template <>
constexpr bool matches<ready>(event e) noexcept { return e == event::ready; }
template <>
constexpr bool matches<resumed>(event e) noexcept { return e == event::resumed; }
} // namespace detail

/// Decodes the payload of a ready/resumed/dispatch action into `out`
/// (ready, resumed, message, message_delete or interaction).
/// Errors: discord::errc::wrong_event (the action is not that event;
/// nothing read), or a json error (the payload does not fit: `info` gets
/// the path, e.g. "author.id"). The action itself was already accepted:
/// a decode error never affects the session.
template <class T>
std::error_code decode(const gateway::action& a, std::string_view bytes, T& out, json::error_info* info = nullptr) {
    if (!detail::matches<T>(event_of(a, bytes))) return errc::wrong_event;
    return json::read(out, gateway::detail::slice(bytes, a.data_offset, a.data_size), info);
}
template <class T>
std::error_code decode(const gateway::entry& e, T& out, json::error_info* info = nullptr) {
    return decode(e.action, e.bytes, out, info);
}

} // namespace sluice::discord
