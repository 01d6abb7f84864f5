#pragma once
// Server-side WebSocket bytes for byte-mode tests: the 101 answer to a
// client's upgrade request, and unmasked server frames. They are
// tests/peers/wire.hpp's, under the names the socketio and navigator tests use.
#include "peers/wire.hpp"

#include <string>
#include <string_view>

namespace sio_bytes {

using peer_wire::binary;
using peer_wire::frame;
using peer_wire::text;

/// The 101 answer to the upgrade request `request` (its Sec-WebSocket-Key).
inline std::string switching_protocols(std::string_view request) { return peer_wire::accept_response(request); }

} // namespace sio_bytes
