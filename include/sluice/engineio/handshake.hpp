#pragma once
// sluice/engineio/handshake.hpp: the Engine.IO v4 open packet's JSON.
//
//     0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
//
// `sid`, `pingInterval` and `pingTimeout` are required; `maxPayload` is
// optional (python-socketio leaves it out) and `upgrades` is ignored (a
// WebSocket-only session has nothing to upgrade to). Unknown keys are skipped.
//
// Includes: <cstdint>, <optional>, <string_view>, <system_error>;
// core/time.hpp for duration; errc.hpp; json/read.hpp and reflect/meta.hpp
// to read the JSON (with the camelCase keys renamed).
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include <sluice/core/time.hpp>
#include <sluice/engineio/errc.hpp>
#include <sluice/json/read.hpp>
#include <sluice/reflect/meta.hpp>

namespace sluice::engineio {

/// The open packet's content.
struct handshake {
    std::string_view sid{};      ///< the session id; a view into the packet (the session keeps a copy)
    duration ping_interval{};  ///< the server pings this often
    duration ping_timeout{};   ///< ... and gives up this long after a ping without pong
    std::uint64_t max_payload = 0; ///< the largest packet the server accepts; 0 when not sent
};

/// The largest pingInterval / pingTimeout accepted (one day): anything
/// larger is a hostile or broken server, and would overflow deadlines.
inline constexpr std::int64_t max_ping_ms = 86'400'000;

namespace detail {

// The open packet as JSON: `upgrades` and unknown keys are skipped.
struct open_json {
    std::string_view sid{};
    std::int64_t ping_interval = 0;
    std::int64_t ping_timeout = 0;
    std::optional<std::uint64_t> max_payload{};
};

} // namespace detail
} // namespace sluice::engineio

// The camelCase keys, declared before read() is instantiated for open_json.
template <>
struct sluice::reflect::meta<sluice::engineio::detail::open_json> {
    static constexpr sluice::reflect::rename renames[] = {
        {"ping_interval", "pingInterval"}, {"ping_timeout", "pingTimeout"}, {"max_payload", "maxPayload"}};
};

namespace sluice::engineio {

/// Parses the open packet's JSON (the data after the '0').
/// Errors: errc::bad_handshake when the text is not a JSON object with a
/// non-empty, unescaped string `sid` and integers `pingInterval` and
/// `pingTimeout` in 1..max_ping_ms (and `maxPayload`, when present, a
/// non-negative integer); `out` is then unchanged. A peer error: the session
/// closes the transport with 1002.
inline std::error_code parse_handshake(std::string_view json_text, handshake& out) {
    detail::open_json j;
    if (json::read(j, json_text) || j.sid.empty() || j.ping_interval <= 0 || j.ping_timeout <= 0 ||
        j.ping_interval > max_ping_ms || j.ping_timeout > max_ping_ms)
        return errc::bad_handshake;
    out.sid = j.sid;
    out.ping_interval = from_ms(j.ping_interval);
    out.ping_timeout = from_ms(j.ping_timeout);
    out.max_payload = j.max_payload.value_or(0);
    return {};
}

} // namespace sluice::engineio
