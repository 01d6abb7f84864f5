#pragma once
// Performs a Navigator client's http_request actions for the integration
// tests, each on its own thread (so Socket.IO events keep flowing while a
// request is out, and can overtake its answer), with sluice::http's request
// writer and response parser over a plain TCP connection to 127.0.0.1.
#include <sluice/http/request.hpp>
#include <sluice/http/response_parser.hpp>
#include <sluice/navigator/client.hpp>

#include <arpa/inet.h>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace nav_test {

class http_worker {
public:
    struct result {
        std::uint64_t id = 0;
        unsigned status = 0; // 0: the request could not be performed
        std::string body;
    };

    explicit http_worker(std::uint16_t port) : port_(port) {}
    ~http_worker() {
        for (auto& t : threads_) t.join();
    }
    http_worker(const http_worker&) = delete;
    http_worker& operator=(const http_worker&) = delete;

    /// Starts performing `r` (its views are copied first).
    void perform(const sluice::navigator::http_request& r) {
        std::string wire;
        sluice::http::request_writer w(wire, r.method, r.target);
        w.header("Host", "127.0.0.1:" + std::to_string(port_)).header_block(r.headers).header("Connection", "close");
        if (w.finish(r.body)) {
            std::lock_guard lock(m_);
            done_.push_back({r.id, 0, {}});
            return;
        }
        ++started_;
        threads_.emplace_back([this, id = r.id, wire = std::move(wire)] {
            result res = run(id, wire);
            std::lock_guard lock(m_);
            done_.push_back(std::move(res));
        });
    }

    /// Hands every finished request to the client.
    void deliver(sluice::navigator::client& c, sluice::instant now) {
        std::vector<result> ready;
        {
            std::lock_guard lock(m_);
            ready.swap(done_);
        }
        for (auto& r : ready) {
            ++delivered_;
            if (r.status == 0) (void)c.on_http_failure(r.id, std::make_error_code(std::errc::connection_refused), now);
            else (void)c.on_http_response(r.id, r.status, r.body, now);
        }
    }
    int started() const { return started_; }
    int delivered() const { return delivered_; }

private:
    result run(std::uint64_t id, const std::string& wire) const {
        result res{id, 0, {}};
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(fd);
            return res;
        }
        std::string_view out = wire;
        while (!out.empty()) {
            const ssize_t n = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
            if (n <= 0) break;
            out.remove_prefix(static_cast<std::size_t>(n));
        }
        sluice::http::response_parser p;
        char buf[16384];
        bool done = false;
        while (!done) {
            const ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                const auto s = p.finish();
                if (s.event == sluice::http::parse_event::body) res.body.append(s.body);
                done = true;
                break;
            }
            std::string_view in(buf, static_cast<std::size_t>(n));
            for (;;) {
                const auto s = p.parse(in);
                if (s.event == sluice::http::parse_event::need_more) break;
                if (s.event == sluice::http::parse_event::head) res.status = static_cast<unsigned>(p.status());
                if (s.event == sluice::http::parse_event::body) res.body.append(s.body);
                if (s.event == sluice::http::parse_event::done || s.event == sluice::http::parse_event::error) {
                    if (s.event == sluice::http::parse_event::error) res.status = 0;
                    done = true;
                    break;
                }
            }
        }
        close(fd);
        return res;
    }

    std::uint16_t port_;
    std::mutex m_;
    std::vector<result> done_;
    std::vector<std::thread> threads_;
    int started_ = 0;
    int delivered_ = 0;
};

} // namespace nav_test
