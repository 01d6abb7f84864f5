#pragma once
// The test-side network harness shared by every interop test: peer server
// processes (their stdin a control pipe, their stdout read line by line, the
// first line "listening HOST PORT [PORT...]"), TCP connections to 127.0.0.1,
// and byte-mode clients (ws::session over a protocol machine) on real
// sockets with real time. tests/socketio/net.hpp and tests/ws/interop.cpp
// build on it; the scripted peers of the Nightingale, i386chat and singyeong
// tests (tests/peers/*_peer.py) are `peer`.
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

/// The source tree ($SLUICE_SOURCE, set by Meson; "." without it).
inline std::string source_dir() {
    const char* s = std::getenv("SLUICE_SOURCE");
    return s && *s ? s : ".";
}
/// The peer scripts' folder ($SLUICE_SOURCE/tests/peers).
inline std::string peers_dir() { return source_dir() + "/tests/peers"; }

/// A peer server process. Its stdin is a pipe (closing it stops the server);
/// its stdout is read line by line: the first line is "listening HOST PORT
/// [PORT...]", the others are whatever the peer reports.
class process {
public:
    process() = default;
    /// Starts argv (argv[0] looked up in PATH) and waits up to 20 s for its
    /// "listening" line; ok() says whether it came.
    process(std::vector<std::string> argv, std::string name) : name_(std::move(name)) {
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
        const int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        if (rc != 0) {
            pid_ = -1;
            return;
        }
        std::string line;
        if (read_line(line, std::chrono::seconds(20)) && line.starts_with("listening ")) {
            // "listening HOST PORT [PORT...]": every number after the host
            std::size_t at = line.find(' ', 10);
            while (at != std::string::npos) {
                ports_.push_back(static_cast<std::uint16_t>(std::atoi(line.c_str() + at + 1)));
                at = line.find(' ', at + 1);
            }
            port_ = ports_.empty() ? 0 : ports_.back();
        } else {
            MESSAGE(name_ << " did not start: '" << line << "'");
        }
    }
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    /// Closes the peer's stdin (it stops), waits up to 2 s, then kills it.
    ~process() {
        if (stdin_ >= 0) ::close(stdin_);
        if (pid_ > 0) {
            int status = 0;
            for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20000);
            if (waitpid(pid_, &status, WNOHANG) == 0) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
            }
        }
        if (stdout_ >= 0) ::close(stdout_);
    }

    bool ok() const { return port_ != 0; }
    /// The (last) port of the "listening" line; ports() has all of them.
    std::uint16_t port() const { return port_; }
    const std::vector<std::uint16_t>& ports() const { return ports_; }
    const std::string& name() const { return name_; }

    /// Reads one line of the peer's stdout, waiting at most `limit` (0: only
    /// what has arrived). False when none came.
    bool read_line(std::string& line, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            const auto nl = buffered_.find('\n');
            if (nl != std::string::npos) {
                line = buffered_.substr(0, nl);
                buffered_.erase(0, nl + 1);
                return true;
            }
            if (stdout_ < 0) return false;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
            pollfd p{stdout_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left > 0 ? left : 0)) <= 0) return false;
            char chunk[4096];
            const ssize_t n = read(stdout_, chunk, sizeof chunk);
            if (n <= 0) return false;
            buffered_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    /// Writes `line` to the peer's stdin; false when it did not all go.
    bool write_line(std::string_view line) {
        return stdin_ >= 0 && write(stdin_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    }

private:
    std::string name_;
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::uint16_t port_ = 0;
    std::vector<std::uint16_t> ports_;
    std::string buffered_;
};

/// Whether `line` holds every one of `needles`.
inline bool matches(std::string_view line, std::initializer_list<std::string_view> needles) {
    for (auto n : needles)
        if (line.find(n) == std::string_view::npos) return false;
    return true;
}

/// A scripted peer (tests/peers/<script>, python): stdin takes control
/// commands (one JSON a line), stdout gives replies and events (--events).
class peer : public process {
public:
    explicit peer(const std::string& script, std::vector<std::string> options = {})
        : process(arguments(script, std::move(options)), script) {}

    /// Sends a command (a JSON object without "id") and returns its reply line.
    std::string command(std::string_view json_object, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        const std::string id = std::to_string(++next_id_);
        if (!write_line("{\"id\":" + id + "," + std::string(json_object.substr(1)) + "\n")) return {};
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
        for (auto it = events_.begin(); it != events_.end(); ++it)
            if (matches(*it, needles)) {
                std::string l = *it;
                events_.erase(events_.begin(), it + 1);
                return l;
            }
        events_.clear();
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string got;
        while (std::chrono::steady_clock::now() < end)
            if (read_line(got, std::chrono::milliseconds(100)) && matches(got, needles)) return got;
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
        for (const std::string& l : events_)
            if (matches(l, needles)) return true;
        return false;
    }

private:
    static std::vector<std::string> arguments(const std::string& script, std::vector<std::string> options) {
        std::vector<std::string> argv{"/usr/bin/python3", peers_dir() + "/" + script, "--port", "0", "--events", "--exit-on-eof",
                                      "--lifetime", "300"};
        argv.insert(argv.end(), options.begin(), options.end());
        return argv;
    }

    std::vector<std::string> events_;
    int next_id_ = 0;
};

/// A TCP connection to 127.0.0.1 with TCP_NODELAY: non-blocking (reads
/// return at once) or blocking with a 10 s receive timeout.
class tcp {
public:
    enum class mode : std::uint8_t { nonblocking, blocking };
    tcp() = default;
    explicit tcp(std::uint16_t port, mode m = mode::nonblocking) { open(port, m); }
    ~tcp() { shut(); }
    tcp(const tcp&) = delete;
    tcp& operator=(const tcp&) = delete;

    /// Connects (closing any earlier connection); false when it failed.
    bool open(std::uint16_t port, mode m = mode::nonblocking) {
        shut();
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (m == mode::blocking) {
            timeval tv{10, 0};
            setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        }
        if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            shut();
            return false;
        }
        if (m == mode::nonblocking) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
        return true;
    }
    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    /// Writes all of `s` (waiting for room when non-blocking); stops on an error.
    void send_all(std::string_view s) {
        while (fd_ >= 0 && !s.empty()) {
            const ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{fd_, POLLOUT, 0};
                poll(&p, 1, 1000);
                continue;
            }
            if (n <= 0) return;
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    /// Bytes read (0 on EOF or when closed, -1 on an error, a timeout, or
    /// nothing yet when non-blocking: see errno).
    ssize_t recv_some(char* buf, std::size_t n) { return fd_ >= 0 ? ::recv(fd_, buf, n, 0) : 0; }
    void shut() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

/// Carries out one transport action of a ws::session on `conn`: connect
/// (counted in `connects`; the session hears whether it opened), transmit,
/// disconnect (the session hears of the close when `report_disconnect`).
/// False for the inner machine's actions (io_op::none), left to the caller.
template <class Session>
bool carry_out(Session& s, tcp& conn, const typename Session::entry& e, int& connects, bool report_disconnect) {
    switch (e.action.io) {
    case sluice::ws::io_op::connect:
        ++connects;
        if (conn.open(e.action.port)) s.transport_open(now());
        else s.transport_closed(now());
        return true;
    case sluice::ws::io_op::transmit: conn.send_all(e.bytes); return true;
    case sluice::ws::io_op::disconnect:
        conn.shut();
        if (report_disconnect) s.transport_closed(now());
        return true;
    case sluice::ws::io_op::none: return false;
    }
    return false;
}

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

    Inner& machine() { return s_.inner(); }
    int connects() const { return connects_; }
    std::vector<record> log;

    /// Carries out queued work: connects, writes, disconnects; copies events.
    void flush() {
        while (const auto* e = s_.poll())
            if (!carry_out(s_, conn_, *e, connects_, true)) log.push_back({e->action.inner, std::string(e->bytes)});
    }
    /// Reads what the socket has and fires due timers.
    void step() {
        flush();
        if (conn_.ok()) {
            char buf[65536];
            for (;;) {
                const ssize_t n = conn_.recv_some(buf, sizeof buf);
                if (n > 0) {
                    s_.receive(std::string_view(buf, static_cast<std::size_t>(n)), now());
                    flush();
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                    conn_.shut();
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
    int fd() const { return conn_.fd(); }

private:
    session_type s_;
    tcp conn_;
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
