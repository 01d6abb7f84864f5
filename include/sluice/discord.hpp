#pragma once
// sluice/discord.hpp: the Discord gateway client (message types, commands,
// close codes, typed events, the policy and the client machine) and the REST
// request builders. zlib-stream compression is separate
// (sluice/discord/zlib_stream.hpp) so that only its users need zlib.
#include <sluice/discord/client.hpp>
#include <sluice/discord/close_codes.hpp>
#include <sluice/discord/commands.hpp>
#include <sluice/discord/errc.hpp>
#include <sluice/discord/events.hpp>
#include <sluice/discord/policy.hpp>
#include <sluice/discord/types.hpp>
