#pragma once
// sluice/socketio.hpp: the Socket.IO v5 layer: packet codec, payload checks,
// the session (namespaces, acks, binary attachments) and the client machine.
#include <sluice/socketio/client.hpp>
#include <sluice/socketio/errc.hpp>
#include <sluice/socketio/packet.hpp>
#include <sluice/socketio/payload.hpp>
#include <sluice/socketio/session.hpp>
