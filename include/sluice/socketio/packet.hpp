#pragma once
// sluice/socketio/packet.hpp: Socket.IO v5 packets, the text inside an
// Engine.IO message packet.
//
//     <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
//
//     0                              CONNECT to "/" (client), no auth
//     0/admin,{"token":"x"}          CONNECT to "/admin" with an auth payload
//     0{"sid":"X2mpbYJ"}             CONNECT answer (server)
//     1/admin,                       DISCONNECT
//     2["task-progress",{...}]       EVENT
//     2/chat,12["msg","hi"]          EVENT on "/chat" asking for ack 12
//     3/chat,12["ok"]                ACK 12
//     4{"message":"Not authorized"}  CONNECT_ERROR
//     51-["upload",{"_placeholder":true,"num":0}]   BINARY_EVENT, 1 attachment
//     61-12[{"_placeholder":true,"num":0}]          BINARY_ACK 12, 1 attachment
//
// decode() splits the header (no JSON involved) and then checks the payload's
// shape the way socket.io-parser does: CONNECT an object, DISCONNECT nothing,
// CONNECT_ERROR a string or an object, EVENT a non-empty array whose first
// element is the event name, ACK an array. Binary packets' placeholders must
// name an attachment. Nothing allocates; every view is into the input.
//
// Includes: <cstddef>, <cstdint>, <optional>, <string_view>, <system_error>;
// errc.hpp; json.hpp for payload validation and the event name.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include <sluice/socketio/errc.hpp>

namespace sluice::socketio {

/// Socket.IO v5 packet types; the value is the digit on the wire.
enum class packet_type : std::uint8_t {
    connect = 0,       ///< client: join a namespace (optional auth object); server: joined ({"sid"})
    disconnect = 1,    ///< leave a namespace (either side)
    event = 2,         ///< ["name", args...]
    ack = 3,           ///< [args...] answering the event with the same id
    connect_error = 4, ///< server: the namespace is refused (string or {"message", "data"})
    binary_event = 5,  ///< an event with binary attachments (sent as the binary messages that follow)
    binary_ack = 6,    ///< an ack with binary attachments
};

constexpr char to_char(packet_type t) noexcept { return static_cast<char>('0' + static_cast<int>(t)); }
constexpr bool is_binary(packet_type t) noexcept { return t == packet_type::binary_event || t == packet_type::binary_ack; }

/// The largest ack id: JavaScript numbers are exact up to 2^53 - 1.
inline constexpr std::uint64_t max_ack_id = (std::uint64_t{1} << 53) - 1;

/// A decoded packet; every view is into the decoded text.
struct packet {
    packet_type type = packet_type::connect;
    std::uint32_t attachments = 0;     ///< binary packets: how many binary messages follow
    std::string_view nsp = "/";        ///< the namespace ("/" when absent on the wire)
    bool has_id = false;               ///< an ack id is present
    std::uint64_t id = 0;              ///< the ack id (when has_id)
    std::string_view data{};           ///< the JSON payload as text; empty when absent
};

/// Splits the header of a Socket.IO packet: type, attachment count,
/// namespace, ack id; `out.data` is the rest (unchecked JSON).
/// Errors (peer errors; `out` is unspecified):
///  - errc::empty_packet: no characters;
///  - errc::unknown_packet_type: the first character is not '0'..'6';
///  - errc::bad_attachments: a binary packet without "<digits>-", or more
///    than 2^32 - 1 attachments;
///  - errc::bad_ack_id: an ack id above max_ack_id.
inline std::error_code decode_header(std::string_view text, packet& out) noexcept {
    if (text.empty()) return errc::empty_packet;
    const char t = text[0];
    if (t < '0' || t > '6') return errc::unknown_packet_type;
    out = packet{};
    out.type = static_cast<packet_type>(t - '0');
    std::size_t i = 1;
    if (is_binary(out.type)) {
        std::uint64_t n = 0;
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
            if (n > 0xFFFFFFFFu) return errc::bad_attachments;
            ++i;
        }
        if (i == start || i == text.size() || text[i] != '-') return errc::bad_attachments;
        ++i;
        out.attachments = static_cast<std::uint32_t>(n);
    }
    if (i < text.size() && text[i] == '/') { // the namespace runs to the next ',' (or the end)
        const std::size_t start = i;
        while (i < text.size() && text[i] != ',') ++i;
        out.nsp = text.substr(start, i - start);
        if (i < text.size()) ++i; // the ','
    }
    if (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        std::uint64_t id = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
            if (id > max_ack_id) return errc::bad_ack_id;
            ++i;
        }
        out.has_id = true;
        out.id = id;
    }
    out.data = text.substr(i);
    return {};
}

/// Appends `<type>[<attachments>-][<nsp>,][<id>]` to `out` (any type with
/// push_back and append(const char*, size_t)); the caller appends the JSON.
/// The namespace "/" is implicit on the wire; any other is followed by ','.
template <class String>
void encode_header(packet_type type, std::string_view nsp, std::optional<std::uint64_t> id, std::uint32_t attachments,
                   String& out) {
    auto put_number = [&](std::uint64_t v) {
        char buf[20];
        std::size_t n = 0;
        do {
            buf[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n != 0) out.push_back(buf[--n]);
    };
    out.push_back(to_char(type));
    if (is_binary(type)) {
        put_number(attachments);
        out.push_back('-');
    }
    if (!nsp.empty() && nsp != "/") {
        out.append(nsp.data(), nsp.size());
        out.push_back(',');
    }
    if (id) put_number(*id);
}

} // namespace sluice::socketio
