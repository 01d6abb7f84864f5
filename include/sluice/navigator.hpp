#pragma once
// sluice/navigator.hpp: the BitJourney Navigator client (seed 004): typed API
// data, the job tracker, and the client machine (REST as actions, Socket.IO
// events, jobs that end exactly once).
#include <sluice/navigator/client.hpp>
#include <sluice/navigator/errc.hpp>
#include <sluice/navigator/tracker.hpp>
#include <sluice/navigator/types.hpp>
