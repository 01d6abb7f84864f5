#pragma once
// sluice/engineio.hpp: the Engine.IO v4 layer (WebSocket transport): packet
// codec, open-packet parsing, the session state machine and a standalone
// client machine.
#include <sluice/engineio/client.hpp>
#include <sluice/engineio/errc.hpp>
#include <sluice/engineio/handshake.hpp>
#include <sluice/engineio/packet.hpp>
#include <sluice/engineio/session.hpp>
