#pragma once
// benchmarks/support/fixture.hpp: the inputs every benchmark builds the same
// way (not part of the library; no Google Benchmark dependency, so the
// callgrind driver uses it too):
//  - load_vector(): a file of ../shared/vectors (or $SLUICE_VECTORS), trailing
//    newlines removed; exits with a message when it is missing;
//  - bump_digits(): +1 on a run of decimal digits in place, for frames that
//    must carry a fresh sequence number each time;
//  - server_text_frame(): an unmasked server text frame (payload < 64 KiB);
//  - upgrade_response(): the 101 answer to a client's upgrade request;
//  - discord_config() and discord_update_frame: the Discord client every
//    Discord benchmark connects, and message_update.json with a 10-digit
//    sequence number whose digits are at `seq_at`;
//  - discord_bytes_session: a ws::session<discord::client> connected through
//    the upgrade, hello and READY, its actions drained.
//
// Includes: sluice/discord.hpp, sluice/ws/handshake.hpp and ws/session.hpp
// for the config, the accept key and the byte-mode session; <fstream>/<sstream> to read files; <cstdio>/<cstdlib> for
// the message and exit; <string>/<string_view> for the texts.
#include <sluice/discord.hpp>
#include <sluice/ws/handshake.hpp>
#include <sluice/ws/session.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace sluice_bench {

inline std::string load_vector(const char* rel) {
    const char* dir = std::getenv("SLUICE_VECTORS");
    const std::string path = std::string(dir && *dir ? dir : "../shared/vectors") + "/" + rel;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s (set SLUICE_VECTORS to the vectors folder)\n", path.c_str());
        std::exit(1);
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

inline void bump_digits(char* digits, int n) noexcept {
    for (int i = n - 1; i >= 0; --i) {
        if (digits[i] != '9') {
            ++digits[i];
            return;
        }
        digits[i] = '0';
    }
}

inline std::string server_text_frame(std::string_view payload) {
    std::string f(1, static_cast<char>(0x81));
    if (payload.size() < 126) {
        f.push_back(static_cast<char>(payload.size()));
    } else {
        f.push_back(static_cast<char>(126));
        f.push_back(static_cast<char>(payload.size() >> 8));
        f.push_back(static_cast<char>(payload.size() & 0xff));
    }
    f.append(payload);
    return f;
}

inline std::string upgrade_response(std::string_view request) {
    const auto k = request.find("Sec-WebSocket-Key: ");
    const auto accept = sluice::ws::accept_for(request.substr(k + 19, 24));
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           std::string(accept.data(), accept.size()) + "\r\n\r\n";
}

inline sluice::discord::config discord_config() {
    namespace dc = sluice::discord;
    dc::config c;
    c.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
    c.intents = dc::intents::guilds | dc::intents::guild_messages | dc::intents::message_content;
    c.engine.wait_for_identify_permit = false;
    return c;
}

struct discord_update_frame {
    std::string text = load_vector("discord/message_update.json");
    std::size_t seq_at = 0;
    discord_update_frame() {
        const auto s = text.find("\"s\":1287");
        text.replace(s, 8, "\"s\":1000000000");
        seq_at = s + 4;
    }
    void next() noexcept { bump_digits(text.data() + seq_at, 10); }
};

struct discord_bytes_session {
    sluice::xoshiro256 ws_rng{2}, rng{3};
    sluice::ws::session<sluice::discord::client> s{sluice::entropy(ws_rng), sluice::ws::client_options{}, discord_config(),
                                                   sluice::entropy(rng)};
    discord_bytes_session() {
        using sluice::instant;
        s.inner().start(instant::zero());
        while (s.poll()) {
        }
        s.transport_open(instant::zero());
        std::string request;
        while (auto* e = s.poll())
            if (e->action.io == sluice::ws::io_op::transmit) request = e->bytes;
        s.receive(upgrade_response(request) + server_text_frame(load_vector("discord/hello.json")) +
                      server_text_frame(load_vector("discord/ready.json")),
                  instant::zero());
        while (s.poll()) {
        }
    }
};

} // namespace sluice_bench
