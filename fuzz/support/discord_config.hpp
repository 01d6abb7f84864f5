#pragma once
// The Discord client configuration of the fuzzers that drive discord::client
// (fuzz/discord, fuzz/ws, fuzz/midjourney): no identify permit to wait for,
// and a 64 KiB inbound limit so oversized frames are reached quickly.
//
// Includes: sluice/discord/policy.hpp (discord::config).
#include <sluice/discord/policy.hpp>

namespace fuzz_script {

inline sluice::discord::config discord_config() {
    sluice::discord::config k;
    k.token = "token";
    k.engine.wait_for_identify_permit = false;
    k.engine.max_inbound = 1 << 16;
    return k;
}

} // namespace fuzz_script
