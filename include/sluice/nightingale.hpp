#pragma once
// sluice/nightingale.hpp: the Nightingale layer: messages and the client
// machine (seed 001 and the real server).
//
// Includes: every public header of sluice/nightingale/.
#include <sluice/nightingale/client.hpp>
#include <sluice/nightingale/errc.hpp>
#include <sluice/nightingale/message.hpp>
