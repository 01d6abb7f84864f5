// fuzz_discord_frames: arbitrary frames into a connected Discord client.
//
// The input is split at '\n' into messages (the seeds are the vectors, one
// frame a file; a fuzzer finds the separator quickly). Each goes to a client
// that is connected (hello, READY) and whose every action is checked:
//  - dispatches arrive with strictly increasing sequences within a session;
//  - every notice says what comes next; a close carries a code other than
//    1000/1001 unless the user closed;
//  - typed decoding of every event never crashes, whatever it returns;
//  - the Midjourney tracker is fed every entry too;
//  - nothing is accepted over the inbound limit.
// Time moves 1 s a message, so heartbeats, zombie detection and handshake
// timeouts run as well.
#include <sluice/discord.hpp>
#include <sluice/midjourney.hpp>

#include "../support/discord_config.hpp"
#include "../support/sequence.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

namespace {

using namespace sluice;
namespace dc = sluice::discord;
namespace gw = sluice::gateway;
namespace mj = sluice::midjourney;

constexpr std::string_view hello = R"({"op":10,"d":{"heartbeat_interval":41250}})";
constexpr std::string_view ready =
    R"({"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"u"},"session_id":"abc","resume_gateway_url":"wss://r.example"}})";

void check(bool ok) {
    if (!ok) std::abort();
}

struct run {
    xoshiro256 rng{1};
    dc::client c;
    mj::tracker t;
    fuzz_script::sequence_watch seq; // dispatch sequences increase within a session
    std::int64_t now_ms = 0;

    static mj::config mjcfg() {
        mj::config k;
        k.rest.authorization = "token";
        k.channel_id = snowflake(1097345283567484928);
        k.imagine_id = snowflake(1);
        k.imagine_version = snowflake(1);
        return k;
    }
    run() : c(fuzz_script::discord_config(), entropy(rng)), t(mjcfg()) {}

    instant now() const { return instant::from_ns(now_ms * 1'000'000); }

    void drain() {
        while (const gw::entry* e = c.poll()) {
            const gw::action& a = e->action;
            check(seq.see(a));
            switch (a.kind) {
            case gw::action_kind::close:
                check(a.close_code != 1001);
                break;
            case gw::action_kind::open:
                check(!e->bytes.empty());
                break;
            default: break;
            }
            // Typed decoding never crashes.
            switch (dc::event_of(*e)) {
            case dc::event::message_create:
            case dc::event::message_update: {
                dc::message m;
                if (!dc::decode(*e, m) && m.content) {
                    std::string scratch;
                    (void)dc::text(*m.content, scratch);
                }
                break;
            }
            case dc::event::message_delete: {
                dc::message_delete m;
                (void)dc::decode(*e, m);
                break;
            }
            case dc::event::interaction_create: {
                dc::interaction m;
                (void)dc::decode(*e, m);
                break;
            }
            case dc::event::ready: {
                dc::ready m;
                (void)dc::decode(*e, m);
                break;
            }
            default: break;
            }
            t.on_gateway(*e, now());
        }
        while (t.poll()) {
        }
        if (c.current_state() == gw::state::connecting) c.on_open(now());
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run r;
    check(!r.c.start(r.now()));
    r.drain();
    r.c.on_open(r.now());
    r.c.on_message(hello, message_type::text, r.now());
    r.drain();
    r.c.on_message(ready, message_type::text, r.now());
    r.drain();
    check(r.c.is_ready());
    std::string_view in(reinterpret_cast<const char*>(data), size);
    while (!in.empty()) {
        const auto nl = in.find('\n');
        const std::string_view msg = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
        r.now_ms += 1000;
        r.c.handle_timeout(r.now());
        r.t.handle_timeout(r.now());
        r.drain();
        r.c.on_message(msg, message_type::text, r.now());
        r.drain();
        // Peer input never makes the machine stop: Discord's frames cannot carry a fatal close.
        check(r.c.current_state() != gw::state::failed && r.c.current_state() != gw::state::closed);
    }
    return 0;
}
