#pragma once
// examples/asio/modes.hpp: one function a sluice-client mode (one file each).
//
// Includes: options.hpp.
#include "options.hpp"

namespace example {

[[noreturn]] void run_ws(const options& o);
[[noreturn]] void run_socketio(const options& o);
[[noreturn]] void run_discord(const options& o);    // also midjourney (mode_discord.cpp)
[[noreturn]] void run_navigator(const options& o);
[[noreturn]] void run_i386chat(const options& o);
[[noreturn]] void run_nightingale(const options& o);
[[noreturn]] void run_singyeong(const options& o);

} // namespace example
