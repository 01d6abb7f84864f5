#pragma once
// sluice/sluice.hpp: everything. Prefer the layer headers (sluice/json.hpp,
// sluice/discord.hpp, ...) to keep compile times down.
#include <sluice/core.hpp>
#include <sluice/discord.hpp>
#include <sluice/engineio.hpp>
#include <sluice/gateway.hpp>
#include <sluice/http.hpp>
#include <sluice/i386chat.hpp>
#include <sluice/json.hpp>
#include <sluice/midjourney.hpp>
#include <sluice/navigator.hpp>
#include <sluice/nightingale.hpp>
#include <sluice/reflect.hpp>
#include <sluice/singyeong.hpp>
#include <sluice/socketio.hpp>
#include <sluice/ws.hpp>
