#pragma once
// Test harness for the interop and integration tests of socketio/ and
// navigator/: a peer server process started on a free port, a TCP
// connection, and a loop that drives a byte-mode machine (ws::session over a
// message machine) with real time: socket bytes and timeouts in, actions out.
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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sio_net {

inline sluice::instant now() { return sluice::instant::from(std::chrono::steady_clock::now()); }

inline std::string source_dir() {
    const char* s = std::getenv("SLUICE_SOURCE");
    return s && *s ? s : ".";
}

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

/// A peer server process. Its stdin is a pipe (closing it stops the server);
/// its stdout is read line by line: the first line is "listening HOST PORT",
/// the others are JSON reports the tests can wait for.
class peer_process {
public:
    peer_process(std::vector<std::string> argv, std::string name) : name_(std::move(name)) {
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
        close(in[0]);
        close(out[1]);
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
    ~peer_process() {
        if (stdin_ >= 0) close(stdin_);
        if (pid_ > 0) {
            int status = 0;
            for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20000);
            if (waitpid(pid_, &status, WNOHANG) == 0) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
            }
        }
        if (stdout_ >= 0) close(stdout_);
    }
    peer_process(const peer_process&) = delete;
    peer_process& operator=(const peer_process&) = delete;

    /// The (last) port of the "listening" line; ports() has all of them.
    std::uint16_t port() const { return port_; }
    const std::vector<std::uint16_t>& ports() const { return ports_; }
    const std::string& name() const { return name_; }

    /// Reads one line of the server's stdout, waiting at most `limit`.
    bool read_line(std::string& line, std::chrono::milliseconds limit) {
        line.clear();
        const auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            const auto nl = buffered_.find('\n');
            if (nl != std::string::npos) {
                line = buffered_.substr(0, nl);
                buffered_.erase(0, nl + 1);
                return true;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
            if (left <= 0 || stdout_ < 0) return false;
            pollfd p{stdout_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char buf[4096];
            const ssize_t n = read(stdout_, buf, sizeof buf);
            if (n <= 0) return false;
            buffered_.append(buf, static_cast<std::size_t>(n));
        }
    }
    /// Reads report lines until one contains every string of `needles`
    /// (compared with the line squeezed: no spaces outside strings); all
    /// lines read are kept in reports().
    bool wait_report(std::initializer_list<std::string_view> needles, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        for (const auto& l : reports_)
            if (matches(l, needles)) return true;
        const auto end = std::chrono::steady_clock::now() + limit;
        std::string line;
        while (std::chrono::steady_clock::now() < end) {
            if (!read_line(line, std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()))) continue;
            reports_.push_back(squeeze(line));
            if (matches(reports_.back(), needles)) return true;
        }
        return false;
    }
    const std::vector<std::string>& reports() const { return reports_; }

private:
    static bool matches(const std::string& line, std::initializer_list<std::string_view> needles) {
        for (auto n : needles)
            if (line.find(n) == std::string::npos) return false;
        return true;
    }
    std::string name_;
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::uint16_t port_ = 0;
    std::vector<std::uint16_t> ports_;
    std::string buffered_;
    std::vector<std::string> reports_;
};

/// A non-blocking TCP connection to 127.0.0.1 (connected blocking, then
/// switched to non-blocking reads).
class tcp {
public:
    tcp() = default;
    explicit tcp(std::uint16_t port) { open(port); }
    ~tcp() { shut(); }
    tcp(const tcp&) = delete;
    tcp& operator=(const tcp&) = delete;
    bool open(std::uint16_t port) {
        shut();
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(fd_);
            fd_ = -1;
            return false;
        }
        fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
        return true;
    }
    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
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
    void shut() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
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
        while (const entry* e = s_.poll()) {
            switch (e->action.io) {
            case sluice::ws::io_op::connect:
                ++connects_;
                if (conn_.open(e->action.port)) s_.transport_open(now());
                else s_.transport_closed(now());
                break;
            case sluice::ws::io_op::transmit: conn_.send_all(e->bytes); break;
            case sluice::ws::io_op::disconnect: conn_.shut(); break;
            case sluice::ws::io_op::none: on_inner(*e); break;
            }
        }
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
