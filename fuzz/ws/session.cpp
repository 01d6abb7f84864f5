// fuzz_ws_session: byte mode end to end, ws::session<discord::client>: the
// server's bytes, from the HTTP upgrade response on, reach the Discord client
// through the WebSocket codec. (ws_client always upgrades with a valid 101;
// here the fuzzer writes the response too: refusals, bad headers, a wrong
// accept key, frames in the same read, reconnects.)
//
// The input is a script of fuzz/support/script.hpp records, read here as:
//   message / binary   bytes from the socket; "$A" becomes the
//             Sec-WebSocket-Accept value of the connection's key, so a
//             mutated response can still be accepted
//   restart   the valid 101 for the connection, then the payload bytes
//   command   one unmasked server frame: byte 0 = FIN/RSV/opcode, the rest its payload
//   open      the socket asked for by the last connect opened
//   close     the socket ended
//   advance / deadline   time passes (seconds), handle_timeout
// Bytes are fed only while a socket is open (as the caller must). Checked:
//  - every transmit after the upgrade request is a masked client frame;
//  - a connect names a host and port; nothing is fed to a closed socket;
//  - dispatch sequences increase within a session (fuzz/support/sequence.hpp);
//  - entries' views lie within their bytes.
#include <sluice/discord.hpp>
#include <sluice/ws.hpp>

#include "../support/discord_config.hpp"
#include "../support/script.hpp"
#include "../support/sequence.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace sluice;
namespace dc = sluice::discord;
namespace gw = sluice::gateway;

void check(bool ok) {
    if (!ok) std::abort();
}

// Client frames: masked, complete, one after another.
void check_client_frames(std::string_view s) {
    while (!s.empty()) {
        check(s.size() >= 6);
        const auto b1 = static_cast<unsigned char>(s[1]);
        check((b1 & 0x80) != 0);
        std::size_t n = b1 & 0x7F, at = 2;
        if (n == 126) {
            n = static_cast<std::size_t>(static_cast<unsigned char>(s[2])) << 8 | static_cast<unsigned char>(s[3]);
            at = 4;
        } else if (n == 127) {
            check(s.size() >= 10);
            n = 0;
            for (int i = 0; i < 8; ++i) n = n << 8 | static_cast<unsigned char>(s[2 + static_cast<std::size_t>(i)]);
            at = 10;
        }
        check(s.size() - at - 4 >= n);
        s.remove_prefix(at + 4 + n);
    }
}

struct run {
    xoshiro256 ws_rng{21};
    xoshiro256 rng{22};
    ws::session<dc::client> s;
    fuzz_script::sequence_watch seq;
    instant now = instant::zero();
    bool connect_pending = false; // a connect was asked for, the socket not open yet
    bool socket_open = false;
    bool upgraded_request = false; // the upgrade request of this socket went out
    std::string accept;            // the expected Sec-WebSocket-Accept of this socket

    static ws::client_options opts() {
        ws::client_options o;
        o.max_message_size = 1 << 16;
        return o;
    }
    run() : s(entropy(ws_rng), opts(), fuzz_script::discord_config(), entropy(rng)) {}

    void drain() {
        while (const auto* e = s.poll()) {
            switch (e->action.io) {
            case ws::io_op::connect:
                check(!e->bytes.empty() && e->action.port != 0);
                connect_pending = true;
                socket_open = false;
                upgraded_request = false;
                accept.clear();
                seq.restart();
                break;
            case ws::io_op::transmit:
                if (!upgraded_request) {
                    upgraded_request = true;
                    const std::string_view req = e->bytes;
                    check(req.starts_with("GET "));
                    const auto k = req.find("Sec-WebSocket-Key: ");
                    check(k != std::string_view::npos && req.size() >= k + 19 + 24);
                    const auto a = ws::accept_for(req.substr(k + 19, 24));
                    accept.assign(a.data(), a.size());
                } else {
                    check_client_frames(e->bytes);
                }
                break;
            case ws::io_op::disconnect:
                socket_open = false;
                connect_pending = false;
                break;
            case ws::io_op::none: {
                const gw::action& a = e->action.inner;
                check(seq.see(a));
                check(std::size_t(a.data_offset) + a.data_size <= e->bytes.size() || a.data_size == 0);
                break;
            }
            }
        }
    }
    std::string expand(std::string_view p) const {
        std::string out;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p[i] == '$' && i + 1 < p.size() && p[i + 1] == 'A') {
                out += accept;
                ++i;
                continue;
            }
            out += p[i];
        }
        return out;
    }
    void receive(std::string_view bytes) {
        if (!socket_open) return;
        s.receive(bytes, now);
    }
};

std::string server_frame(std::string_view p) {
    std::string f;
    const char b0 = p.empty() ? '\x81' : p[0];
    if (!p.empty()) p.remove_prefix(1);
    f.push_back(b0);
    if (p.size() < 126) {
        f.push_back(static_cast<char>(p.size()));
    } else {
        f.push_back(static_cast<char>(126));
        f.push_back(static_cast<char>(p.size() >> 8));
        f.push_back(static_cast<char>(p.size() & 0xff));
    }
    f.append(p);
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run r;
    check(!r.s.inner().start(r.now));
    r.drain();
    fuzz_script::reader in(data, size);
    fuzz_script::record rec;
    while (in.next(rec)) {
        switch (rec.kind) {
        case fuzz_script::op::message:
        case fuzz_script::op::binary: r.receive(r.expand(rec.payload)); break;
        case fuzz_script::op::restart:
            if (!r.socket_open) break;
            r.receive("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + r.accept +
                      "\r\n\r\n" + std::string(rec.payload));
            break;
        case fuzz_script::op::command: r.receive(server_frame(rec.payload)); break;
        case fuzz_script::op::open:
            if (r.connect_pending) {
                r.connect_pending = false;
                r.socket_open = true;
                r.s.transport_open(r.now);
            }
            break;
        case fuzz_script::op::close:
            if (r.socket_open || r.connect_pending) {
                r.socket_open = false;
                r.connect_pending = false;
                r.s.transport_closed(r.now);
            }
            break;
        case fuzz_script::op::advance:
            r.now += std::chrono::seconds(fuzz_script::reader::u16(rec.payload) % 120);
            r.s.handle_timeout(r.now);
            break;
        case fuzz_script::op::deadline: {
            const instant d = r.s.next_deadline();
            if (!d.is_never() && d > r.now) r.now = d;
            r.s.handle_timeout(r.now);
            break;
        }
        }
        r.drain();
    }
    return 0;
}
