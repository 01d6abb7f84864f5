#pragma once
// sluice/ws.hpp: the RFC 6455 WebSocket client layer: framing, the client
// codec, and ws::session, which puts any message-mode machine on raw bytes.
#include <sluice/ws/client.hpp>
#include <sluice/ws/error.hpp>
#include <sluice/ws/frame.hpp>
#include <sluice/ws/handshake.hpp>
#include <sluice/ws/session.hpp>
#include <sluice/ws/url.hpp>
#include <sluice/ws/utf8.hpp>
