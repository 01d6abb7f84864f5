#pragma once
// sluice/core.hpp: the core layer. Time, timers, the action queue, errors,
// entropy, snowflakes, pending nonces, backoff and rate limiting.
#include <sluice/core/action_queue.hpp>
#include <sluice/core/backoff.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/errc.hpp>
#include <sluice/core/error.hpp>
#include <sluice/core/nonce_table.hpp>
#include <sluice/core/rate_limiter.hpp>
#include <sluice/core/snowflake.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/timer_table.hpp>
#include <sluice/core/transport.hpp>
