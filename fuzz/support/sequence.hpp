#pragma once
// The fuzzers' check that gateway dispatch sequences strictly increase
// within a session (fuzz/discord, fuzz/gateway): ready starts a session at
// its sequence; resumed and dispatch actions must each come above the last.
//
// Includes: <cstdint>, <optional>; sluice/gateway/action.hpp (the actions).
#include <cstdint>
#include <optional>

#include <sluice/gateway/action.hpp>

namespace fuzz_script {

struct sequence_watch {
    std::optional<std::uint64_t> last; ///< the session's last sequence, if any

    /// A new session counts afresh.
    void restart() noexcept { last.reset(); }
    /// Watches one engine action; false when its sequence did not increase.
    bool see(const sluice::gateway::action& a) noexcept {
        switch (a.kind) {
        case sluice::gateway::action_kind::ready:
            last = a.has_seq ? std::optional<std::uint64_t>(a.seq) : std::nullopt;
            return true;
        case sluice::gateway::action_kind::resumed:
        case sluice::gateway::action_kind::dispatch: {
            if (!a.has_seq) return true;
            const bool ok = !last || a.seq > *last;
            last = a.seq;
            return ok;
        }
        default: return true;
        }
    }
};

} // namespace fuzz_script
