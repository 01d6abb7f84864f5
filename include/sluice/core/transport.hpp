#pragma once
// sluice/core/transport.hpp: the vocabulary every message-mode machine shares
// with whatever carries its messages.
//
// A protocol machine (Discord, i386chat, ...) speaks in whole messages. In
// message mode the caller's WebSocket library carries them; in byte mode a
// sluice codec (ws::, engineio::) does. Both read the same transport actions
// from the machine's queue: send a message, open a transport, close it. Every
// other action kind is the protocol's own (events, HTTP requests, nonces).
//
// Includes: <concepts>, <cstdint>, <optional>, <string_view>; time.hpp.
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>

#include <sluice/core/time.hpp>

namespace sluice {

/// WebSocket message types a machine sends and receives.
enum class message_type : std::uint8_t { text, binary };

/// What the caller (or a byte-mode codec) must do for a transport action.
enum class transport_op : std::uint8_t {
    none,  ///< not a transport action: the protocol's own (an event, a request)
    send,  ///< send one whole message; payload = the message, `type` says text or binary
    open,  ///< open a new transport; payload = see open_request; drop the old one first
    close, ///< close the transport; `close_code` and payload = reason (UTF-8, <= 123 bytes)
};

/// How a transport ended, as the caller reports it to on_close().
struct close_info {
    /// The close code from the peer's close frame; nullopt when the transport
    /// dropped without a close frame (reported by codecs as 1006).
    std::optional<std::uint16_t> code;
    std::string_view reason; ///< valid for the duration of the call
};

/// The payload of an `open` action: the URL, then optional extra HTTP header
/// lines for the upgrade request ("Name: value\r\n" each), separated from the
/// URL by "\r\n". open_request splits it without copying.
struct open_request {
    std::string_view url;
    std::string_view header_block; ///< "" or lines each ending in "\r\n"

    static constexpr open_request parse(std::string_view payload) noexcept {
        const auto nl = payload.find("\r\n");
        if (nl == std::string_view::npos) return {payload, {}};
        return {payload.substr(0, nl), payload.substr(nl + 2)};
    }
    /// Calls f(name, value) for each header line.
    template <class F>
    constexpr void for_each_header(F&& f) const {
        std::string_view rest = header_block;
        while (!rest.empty()) {
            auto end = rest.find("\r\n");
            std::string_view line = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            f(line.substr(0, colon), value);
        }
    }
};

/// A machine that speaks whole messages: the interface byte-mode codecs and
/// adapters drive. Its action type has `transport_op op`, `message_type type`
/// and `std::uint16_t close_code` members; its queue entries carry the
/// payload bytes.
template <class M>
concept message_machine = requires(M& m, const M& cm, std::string_view s, instant now, close_info ci) {
    m.on_open(now);                          // the transport is open (after the upgrade)
    m.on_message(s, message_type::text, now); // one whole message arrived
    m.on_close(ci, now);                     // the transport ended
    m.handle_timeout(now);                   // time passed; fire due timers
    { cm.next_deadline() } -> std::convertible_to<instant>;
    m.poll();                                // next action entry or nullptr
};

/// Whether a machine takes the HTTP status of a refused upgrade
/// (`on_open_refused(std::uint16_t status, instant now)`, any return type):
/// adapters call it, when it is there, for an answer other than 101, and
/// on_close otherwise (the gateway clients have it: their protocol decides
/// between retry, a new session and a stop).
template <class M>
concept takes_open_refused = requires(M& m, std::uint16_t status, instant now) { m.on_open_refused(status, now); };

} // namespace sluice
