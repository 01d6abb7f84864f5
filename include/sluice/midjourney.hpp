#pragma once
// sluice/midjourney.hpp: the Midjourney job tracker over the Discord gateway
// and REST interactions (seed 000).
#include <sluice/midjourney/errc.hpp>
#include <sluice/midjourney/parse.hpp>
#include <sluice/midjourney/tracker.hpp>
