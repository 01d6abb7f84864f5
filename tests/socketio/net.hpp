#pragma once
// Test harness for the interop and integration tests of socketio/ and
// navigator/: a peer server process started on a free port, a TCP
// connection, and a loop that drives a byte-mode machine (ws::session over a
// message machine) with real time: socket bytes and timeouts in, actions out.
// The process and the connection are tests/peers/net.hpp's.
#include "peers/net.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sio_net {

using peer_net::now;
using peer_net::source_dir;
using peer_net::tcp;

/// JSON text without insignificant spaces (python's json.dumps adds some),
/// so tests compare one form.
inline std::string squeeze(std::string_view s) {
    std::string out;
    bool in_string = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < s.size()) out += s[++i];
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
            out += c;
        } else if (c != ' ' && c != '\n') {
            out += c;
        }
    }
    return out;
}

/// A peer server process whose report lines (stdout after "listening")
/// the tests wait for.
class peer_process : public peer_net::process {
public:
    peer_process() = default;
    peer_process(std::vector<std::string> argv, std::string name) : process(std::move(argv), std::move(name)) {}

    /// Reads report lines until one contains every string of `needles`
    /// (compared with the line squeezed: no spaces outside strings); all
    /// lines read are kept in reports().
    bool wait_report(std::initializer_list<std::string_view> needles, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        for (const auto& l : reports_)
            if (peer_net::matches(l, needles)) return true;
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string line;
        while (std::chrono::steady_clock::now() < end) {
            if (!read_line(line, std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()))) continue;
            reports_.push_back(squeeze(line));
            if (peer_net::matches(reports_.back(), needles)) return true;
        }
        return false;
    }
    const std::vector<std::string>& reports() const { return reports_; }

private:
    std::vector<std::string> reports_;
};

/// Drives a ws::session<Inner> over real TCP with real time. `on_inner` gets
/// every action of Inner that is not transport work (its events), with the
/// entry's views valid during the call.
template <class Inner>
class driver {
public:
    using session_type = sluice::ws::session<Inner>;
    using entry = typename session_type::entry;

    template <class... Args>
    explicit driver(sluice::entropy rng, Args&&... inner_args)
        : s_(rng, sluice::ws::client_options{}, std::forward<Args>(inner_args)...) {}

    session_type& session() { return s_; }
    Inner& inner() { return s_.inner(); }
    bool connected() const { return conn_.ok(); }
    int connects() const { return connects_; }

    /// Carries out queued actions; events go to `on_inner`.
    void flush(const std::function<void(const entry&)>& on_inner) {
        while (const entry* e = s_.poll())
            if (!peer_net::carry_out(s_, conn_, *e, connects_, false)) on_inner(*e);
    }

    /// Runs the loop until `done()` is true or `limit` passes; returns done().
    /// `tick` (when given) runs first in every round, e.g. to hand finished
    /// HTTP requests to the machine.
    bool run(const std::function<void(const entry&)>& on_inner, const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(10), const std::function<void()>& tick = {}) {
        const auto end = std::chrono::steady_clock::now() + limit;
        std::vector<char> buf(1 << 16);
        for (;;) {
            if (tick) tick();
            flush(on_inner);
            if (done()) return true;
            const auto t = std::chrono::steady_clock::now();
            if (t >= end) return false;
            // Sleep until bytes arrive, the machine's deadline, or 10 ms.
            const sluice::instant deadline = s_.next_deadline();
            std::int64_t wait_ms = 10;
            if (!deadline.is_never()) wait_ms = std::min<std::int64_t>(wait_ms, std::max<std::int64_t>(0, sluice::to_ms(deadline - now()) + 1));
            if (conn_.ok()) {
                pollfd p{conn_.fd(), POLLIN, 0};
                if (poll(&p, 1, static_cast<int>(wait_ms)) > 0) {
                    const ssize_t n = recv(conn_.fd(), buf.data(), buf.size(), 0);
                    if (n > 0) s_.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)), now());
                    else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        conn_.shut();
                        s_.transport_closed(now());
                    }
                }
            } else {
                usleep(static_cast<useconds_t>(std::min<std::int64_t>(wait_ms, 10) * 1000));
            }
            if (s_.next_deadline() <= now()) s_.handle_timeout(now());
        }
    }

private:
    session_type s_;
    tcp conn_;
    int connects_ = 0;
};

} // namespace sio_net
