#pragma once
// sluice/sluice.hpp: everything. Prefer the layer headers (sluice/json.hpp,
// sluice/discord.hpp, ...) to keep compile times down.
#include <sluice/core.hpp>
