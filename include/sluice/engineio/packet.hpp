#pragma once
// sluice/engineio/packet.hpp: Engine.IO v4 packets over the WebSocket
// transport, decoded from and encoded to whole WebSocket messages.
//
// Over WebSocket one message is one packet (no payload framing): a text
// message is `<type digit><data>`, e.g. `0{"sid":...}` (open), `2` (ping),
// `3` (pong), `4hello` (message); a binary message is a `message` packet
// whose data is the raw bytes, with no type prefix (Engine.IO v4; v3's
// leading 0x04 byte is gone).
//
//     engineio::packet p;
//     if (auto ec = engineio::decode(msg, message_type::text, p)) close_with_protocol_error(ec);
//     else if (p.type == engineio::packet_type::ping) send("3");
//
// Nothing here allocates; `packet::data` is a view into the decoded message.
//
// Includes: <cstdint>, <string_view>, <system_error>; core/transport.hpp for
// message_type; errc.hpp for the errors.
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/core/transport.hpp>
#include <sluice/engineio/errc.hpp>

namespace sluice::engineio {

/// Engine.IO v4 packet types; the value is the digit on the wire.
enum class packet_type : std::uint8_t {
    open = 0,    ///< server -> client, first packet: the handshake JSON
    close = 1,   ///< either way: the session ends
    ping = 2,    ///< server -> client in v4; the client answers with pong
    pong = 3,    ///< client -> server (the answer to ping)
    message = 4, ///< either way: application data (text or binary)
    upgrade = 5, ///< transport upgrade (polling -> websocket); never needed on a WebSocket-only session
    noop = 6,    ///< does nothing (used by servers to flush a polling cycle)
};

/// The wire character of `t` ('0'..'6').
constexpr char to_char(packet_type t) noexcept { return static_cast<char>('0' + static_cast<int>(t)); }

/// True for the types a server may send on a WebSocket-only session.
constexpr bool is_valid(packet_type t) noexcept { return static_cast<std::uint8_t>(t) <= 6; }

/// One decoded packet. `data` views the decoded message (after the type
/// digit for text; the whole message for binary); valid as long as it.
struct packet {
    packet_type type = packet_type::noop;
    message_type encoding = message_type::text; ///< binary only for binary `message` packets
    std::string_view data{};
};

/// Decodes one whole WebSocket message as one Engine.IO packet.
/// - binary message: always a `message` packet carrying the bytes as they are;
/// - text message: the first character is the type digit, the rest is data.
/// Errors (peer errors: close the transport with 1002, `out` unchanged):
///  - errc::empty_packet: a text message with no characters;
///  - errc::unknown_packet_type: the first character is not '0'..'6' (this
///    includes the polling-only base64 form `b...`, never sent on WebSocket).
inline std::error_code decode(std::string_view msg, message_type type, packet& out) noexcept {
    if (type == message_type::binary) {
        out = {packet_type::message, message_type::binary, msg};
        return {};
    }
    if (msg.empty()) return errc::empty_packet;
    const char c = msg.front();
    if (c < '0' || c > '6') return errc::unknown_packet_type;
    out = {static_cast<packet_type>(c - '0'), message_type::text, msg.substr(1)};
    return {};
}

/// Appends the text form of a packet (`<digit><data>`) to `out` (any type
/// with append(const char*, size_t) and push_back, e.g. std::string).
/// Binary `message` packets are sent as the raw bytes, with no prefix: send
/// `data` itself as a binary WebSocket message.
template <class String>
constexpr void encode(packet_type t, std::string_view data, String& out) {
    out.push_back(to_char(t));
    out.append(data.data(), data.size());
}

} // namespace sluice::engineio
