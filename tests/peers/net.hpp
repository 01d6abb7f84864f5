#pragma once
// Interop harness for the Nightingale, i386chat and singyeong tests: a
// scripted peer (tests/peers/*_peer.py) started on a free port with its
// control channel on stdin/stdout, and byte-mode clients (ws::session over a
// protocol machine) on real TCP sockets with real time.
#include <sluice/core/time.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <initializer_list>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace peer_net {

inline sluice::instant now() { return sluice::instant::from(std::chrono::steady_clock::now()); }

/// The peer scripts' folder ($SLUICE_SOURCE/tests/peers, set by Meson).
inline std::string peers_dir() {
    const char* s = std::getenv("SLUICE_SOURCE");
    return std::string(s && *s ? s : ".") + "/tests/peers";
}

/// A peer process: stdin takes control commands (one JSON a line), stdout
/// gives "listening HOST PORT" and then replies and events (--events).
class peer {
public:
    explicit peer(const std::string& script, std::vector<std::string> options = {}) {
        std::vector<std::string> argv{"/usr/bin/python3", peers_dir() + "/" + script, "--port", "0", "--events", "--exit-on-eof",
                                      "--lifetime", "300"};
        argv.insert(argv.end(), options.begin(), options.end());
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0) return;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_addclose(&fa, in[1]);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        to_ = in[1];
        from_ = out[0];
        if (rc != 0) {
            pid_ = -1;
            return;
        }
        std::string line;
        if (read_line(line, std::chrono::seconds(20)) && line.starts_with("listening ")) {
            port_ = static_cast<std::uint16_t>(std::atoi(line.substr(line.rfind(' ') + 1).c_str()));
        }
    }
    peer(const peer&) = delete;
    peer& operator=(const peer&) = delete;
    ~peer() {
        if (to_ >= 0) ::close(to_); // --exit-on-eof: the peer stops
        if (pid_ > 0) {
            for (int i = 0; i < 100; ++i) {
                int status = 0;
                if (waitpid(pid_, &status, WNOHANG) == pid_) {
                    pid_ = -1;
                    break;
                }
                usleep(20000);
            }
            if (pid_ > 0) {
                kill(pid_, SIGKILL);
                waitpid(pid_, nullptr, 0);
            }
        }
        if (from_ >= 0) ::close(from_);
    }

    bool ok() const { return port_ != 0; }
    std::uint16_t port() const { return port_; }

    /// Sends a command (a JSON object without "id") and returns its reply line.
    std::string command(std::string_view json_object, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        const std::string id = std::to_string(++next_id_);
        std::string line = "{\"id\":" + id + "," + std::string(json_object.substr(1)) + "\n";
        if (write(to_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return {};
        const std::string needle = "{\"reply\":" + id + ",";
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string got;
        while (std::chrono::steady_clock::now() < end) {
            if (!read_line(got, std::chrono::milliseconds(100))) continue;
            if (got.starts_with(needle)) return got;
            events_.push_back(got);
        }
        return {};
    }

    /// Waits for an event line holding every one of `needles`; lines read
    /// meanwhile are kept for later waits. Returns the line or "".
    std::string wait_event(std::initializer_list<std::string_view> needles,
                           std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        auto match = [&](const std::string& l) {
            for (auto n : needles)
                if (l.find(n) == std::string::npos) return false;
            return true;
        };
        for (auto it = events_.begin(); it != events_.end(); ++it)
            if (match(*it)) {
                std::string l = *it;
                events_.erase(events_.begin(), it + 1);
                return l;
            }
        events_.clear();
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string got;
        while (std::chrono::steady_clock::now() < end)
            if (read_line(got, std::chrono::milliseconds(100)) && match(got)) return got;
        return {};
    }

    /// Reads the events that arrived so far without waiting (so the pipe never fills).
    void drain_events() {
        std::string got;
        while (read_line(got, std::chrono::milliseconds(0))) events_.push_back(got);
    }

    /// Whether an event line holding every one of `needles` arrived (without
    /// waiting: use it as the condition of run_until, which keeps the clients going).
    bool seen(std::initializer_list<std::string_view> needles) {
        drain_events();
        for (const std::string& l : events_) {
            bool all = true;
            for (auto n : needles) all = all && l.find(n) != std::string::npos;
            if (all) return true;
        }
        return false;
    }

private:
    bool read_line(std::string& line, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            const auto nl = buf_.find('\n');
            if (nl != std::string::npos) {
                line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return true;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
            pollfd p{from_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left > 0 ? left : 0)) <= 0) return false;
            char chunk[4096];
            const ssize_t n = read(from_, chunk, sizeof chunk);
            if (n <= 0) return false;
            buf_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    pid_t pid_ = -1;
    int to_ = -1, from_ = -1;
    std::uint16_t port_ = 0;
    std::string buf_;
    std::vector<std::string> events_;
    int next_id_ = 0;
};

/// One byte-mode client on a real socket. Every action of the protocol
/// machine that is not transport work is copied into `log`.
template <class Inner>
class client {
public:
    using session_type = sluice::ws::session<Inner>;
    using action_type = std::remove_cvref_t<decltype(std::declval<typename session_type::entry&>().action.inner)>;
    struct record {
        action_type a;
        std::string bytes;
    };

    template <class... Args>
    explicit client(sluice::entropy rng, Args&&... inner_args)
        : s_(rng, sluice::ws::client_options{}, std::forward<Args>(inner_args)...) {}
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client() { shut(); }

    Inner& machine() { return s_.inner(); }
    int connects() const { return connects_; }
    std::vector<record> log;

    /// Carries out queued work: connects, writes, disconnects; copies events.
    void flush() {
        while (const auto* e = s_.poll()) {
            switch (e->action.io) {
            case sluice::ws::io_op::connect:
                ++connects_;
                if (open(e->action.port)) s_.transport_open(now());
                else s_.transport_closed(now());
                break;
            case sluice::ws::io_op::transmit: send_all(e->bytes); break;
            case sluice::ws::io_op::disconnect:
                shut();
                s_.transport_closed(now());
                break;
            case sluice::ws::io_op::none: log.push_back({e->action.inner, std::string(e->bytes)}); break;
            }
        }
    }
    /// Reads what the socket has and fires due timers.
    void step() {
        flush();
        if (fd_ >= 0) {
            char buf[65536];
            for (;;) {
                const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
                if (n > 0) {
                    s_.receive(std::string_view(buf, static_cast<std::size_t>(n)), now());
                    flush();
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    shut();
                    s_.transport_closed(now());
                    flush();
                }
                break;
            }
        }
        if (s_.next_deadline() <= now()) {
            s_.handle_timeout(now());
            flush();
        }
    }
    int fd() const { return fd_; }

private:
    bool open(std::uint16_t port) {
        shut();
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            shut();
            return false;
        }
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return true;
    }
    void send_all(std::string_view s) {
        while (fd_ >= 0 && !s.empty()) {
            const ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
            if (n <= 0) return;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void shut() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    session_type s_;
    int fd_ = -1;
    int connects_ = 0;
};

/// Steps every client until `done()` or `limit`; returns done().
template <class... Clients>
bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit, Clients&... cs) {
    const auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
        (cs.step(), ...);
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= end) return false;
        std::vector<pollfd> fds;
        ((cs.fd() >= 0 ? fds.push_back(pollfd{cs.fd(), POLLIN, 0}) : void()), ...);
        poll(fds.data(), fds.size(), 5);
    }
}

/// Steps every client for `span` (letting heartbeats and timers run).
template <class... Clients>
void run_for(std::chrono::milliseconds span, Clients&... cs) {
    (void)run_until([] { return false; }, span, cs...);
}

} // namespace peer_net
