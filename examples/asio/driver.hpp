#pragma once
// examples/asio/driver.hpp: runs any sluice byte-mode machine over Boost.Asio.
//
// A byte-mode machine (ws::session<Inner>: the WebSocket codec wrapped around
// a protocol machine) never touches a socket or a clock. This driver does:
//
//   socket bytes ───────────▶ session.receive(bytes, now)
//   TCP/TLS connected ──────▶ session.transport_open(now)
//   EOF, reset, failure ────▶ session.transport_closed(now)
//   the timer fires ────────▶ session.handle_timeout(now)
//
//   and after each of these, pump() drains session.poll():
//   io_op::connect ─────────▶ drop the old socket; resolve, connect, TLS (SNI + verification)
//   io_op::transmit ────────▶ write the bytes, in order
//   io_op::disconnect ──────▶ close the socket once everything before it is written
//   io_op::none ────────────▶ the protocol's own action (an event, an HTTP request): hooks.on_action
//   and the one timer is re-armed at session.next_deadline().
//
// Everything runs on one thread (the io_context's); the machine is never
// touched from anywhere else. `now` is std::chrono::steady_clock.
//
// http_fetch() performs one HTTP/1.1 request (REST actions) with sluice's own
// response parser, on its own connection.
//
// Includes: <boost/asio.hpp>, <boost/asio/ssl.hpp> (OpenSSL) for the I/O;
// <sluice/ws/session.hpp> for io_op and the session it drives; ws/url.hpp
// for origins; http/response_parser.hpp for http_fetch(); core/time.hpp.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <sluice/core/time.hpp>
#include <sluice/http/response_parser.hpp>
#include <sluice/ws/session.hpp>
#include <sluice/ws/url.hpp>

namespace example {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
template <class T>
using task = asio::awaitable<T>;

/// The caller's clock, as sluice wants it.
inline sluice::instant now() { return sluice::instant::from(std::chrono::steady_clock::now()); }

inline std::chrono::steady_clock::time_point to_time_point(sluice::instant t) {
    if (t.is_never()) return std::chrono::steady_clock::time_point::max();
    return std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.since_epoch()));
}

/// Certificate checks for wss:// and https://. Verification is on by
/// default against the system's roots; `ca_file` names a PEM file to trust
/// instead (a self-signed test server).
struct tls_settings {
    std::string ca_file;
    bool verify = true;
};

inline void configure_tls(ssl::context& ctx, const tls_settings& s) {
    ctx.set_verify_mode(s.verify ? ssl::verify_peer : ssl::verify_none);
    if (s.ca_file.empty()) ctx.set_default_verify_paths();
    else ctx.load_verify_file(s.ca_file);
}

/// One TCP connection, with TLS on top when asked for.
class connection {
public:
    connection(asio::any_io_executor ex, ssl::context& ctx) : stream_(ex, ctx) {}

    /// Resolves `host`, connects, and for TLS sends SNI (not for IP
    /// literals), checks the certificate names `host`, and handshakes.
    task<error_code> open(std::string host, std::uint16_t port, bool tls) {
        error_code ec;
        tcp::resolver resolver(stream_.get_executor());
        const auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return ec;
        co_await asio::async_connect(stream_.next_layer(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !tls) co_return ec;
        tls_ = true;
        error_code not_ip;
        (void)asio::ip::make_address(host, not_ip);
        if (not_ip && !SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()))
            co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
        stream_.set_verify_callback(ssl::host_name_verification(host));
        co_await stream_.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
        co_return ec;
    }

    task<std::size_t> read_some(asio::mutable_buffer b, error_code& ec) {
        if (tls_) co_return co_await stream_.async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
        co_return co_await stream_.next_layer().async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
    }

    task<error_code> write(asio::const_buffer b) {
        error_code ec;
        if (tls_) co_await asio::async_write(stream_, b, asio::redirect_error(asio::use_awaitable, ec));
        else co_await asio::async_write(stream_.next_layer(), b, asio::redirect_error(asio::use_awaitable, ec));
        co_return ec;
    }

    /// Closes the socket at once (no TLS close_notify: the WebSocket close
    /// handshake, when there is one, already happened).
    void close() {
        error_code ignored;
        stream_.lowest_layer().close(ignored);
    }

private:
    ssl::stream<tcp::socket> stream_;
    bool tls_ = false;
};

/// Drives `Session` (a sluice::ws::session<Inner>) over sockets and a timer.
template <class Session>
class driver {
public:
    using entry = typename Session::entry;

    struct hooks {
        /// Each io_op::none entry: the inner machine's own action. It may
        /// call commands on the machine (their actions are picked up by the
        /// same pump); the entry's views die with the first such call.
        std::function<void(const entry&)> on_action;
        /// Optional: another machine's deadline (a REST client, a job
        /// tracker) to wake up for, and what to do then.
        std::function<sluice::instant()> next_deadline;
        std::function<void(sluice::instant)> handle_timeout;
        /// Optional: where connection failures are reported.
        std::function<void(std::string_view what, const error_code&)> on_error;
        /// Optional: a line for each socket event (connect, open, close), for logs.
        std::function<void(std::string_view what)> trace;
    };

    driver(asio::any_io_executor ex, ssl::context& tls, Session& session, hooks h)
        : ex_(ex), tls_(tls), session_(session), hooks_(std::move(h)), timer_(ex) {
        timer_.expires_at(std::chrono::steady_clock::time_point::max());
        asio::co_spawn(ex_, timer_loop(), asio::detached);
    }

    /// Carries out every queued action, then re-arms the timer. Call it
    /// after every call on the machine (commands included).
    void pump() {
        if (pumping_) return; // called from on_action: the loop below picks the new actions up
        pumping_ = true;
        while (const entry* e = session_.poll()) {
            switch (e->action.io) {
            case sluice::ws::io_op::connect: connect(std::string(e->bytes), e->action.port, e->action.tls); break;
            case sluice::ws::io_op::transmit: transmit(e->bytes); break;
            case sluice::ws::io_op::disconnect: disconnect(); break;
            case sluice::ws::io_op::none:
                if (hooks_.on_action) hooks_.on_action(*e);
                break;
            }
        }
        pumping_ = false;
        arm_timer();
    }

    /// Drops the socket and stops the timer (before leaving the io_context).
    void stop() {
        stopped_ = true;
        drop();
        timer_.cancel();
    }

private:
    struct link {
        link(asio::any_io_executor ex, ssl::context& ctx) : conn(ex, ctx) {}
        connection conn;
        std::string pending, writing; // bytes to write; bytes being written
        bool write_active = false;
        bool close_when_written = false;
    };

    void connect(std::string host, std::uint16_t port, bool tls) {
        note(std::string(tls ? "connect (TLS) " : "connect ") + host + ":" + std::to_string(port));
        drop();
        link_ = std::make_shared<link>(ex_, tls_);
        asio::co_spawn(ex_, run_link(link_, std::move(host), port, tls), asio::detached);
    }

    // Opens the connection, then feeds what it reads until it ends. A link
    // that was replaced (a new connect) or let go (disconnect) feeds nothing:
    // the machine has moved on to another transport.
    task<void> run_link(std::shared_ptr<link> l, std::string host, std::uint16_t port, bool tls) {
        const error_code ec = co_await l->conn.open(host, port, tls);
        if (l != link_) co_return;
        if (ec) {
            report("connect to " + host + ":" + std::to_string(port), ec);
            link_.reset();
            session_.transport_closed(now());
            pump();
            co_return;
        }
        note("connected");
        session_.transport_open(now());
        pump();
        std::array<char, 16384> buf;
        for (;;) {
            error_code rec;
            const std::size_t n = co_await l->conn.read_some(asio::buffer(buf), rec);
            if (l != link_) co_return;
            if (n > 0) {
                session_.receive(std::string_view(buf.data(), n), now());
                pump();
                if (l != link_) co_return;
            }
            if (rec) {
                note("connection ended: " + rec.message());
                link_.reset();
                l->conn.close();
                session_.transport_closed(now());
                pump();
                co_return;
            }
        }
    }

    void transmit(std::string_view bytes) {
        if (!link_) return; // no socket: dropped like bytes written to a closed one
        link_->pending.append(bytes);
        if (!link_->write_active) {
            link_->write_active = true;
            asio::co_spawn(ex_, write_loop(link_), asio::detached);
        }
    }

    task<void> write_loop(std::shared_ptr<link> l) {
        while (!l->pending.empty()) {
            l->writing.swap(l->pending);
            const error_code ec = co_await l->conn.write(asio::buffer(l->writing));
            l->writing.clear();
            if (ec) break; // the reader sees the failure too
        }
        l->write_active = false;
        if (l->close_when_written) l->conn.close();
    }

    void disconnect() {
        if (!link_) return;
        note("disconnect");
        link_->close_when_written = true;
        if (!link_->write_active) link_->conn.close();
        link_.reset();
    }

    void drop() {
        if (!link_) return;
        link_->pending.clear();
        link_->conn.close();
        link_.reset();
    }

    void arm_timer() {
        if (stopped_) return;
        sluice::instant d = session_.next_deadline();
        if (hooks_.next_deadline) d = std::min(d, hooks_.next_deadline());
        if (d == armed_) return;
        armed_ = d;
        timer_.expires_at(to_time_point(d)); // cancels the wait in progress: timer_loop waits again
    }

    task<void> timer_loop() {
        for (;;) {
            error_code ec;
            co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (stopped_) co_return;
            if (ec == asio::error::operation_aborted) continue; // re-armed
            armed_ = sluice::instant::zero();                  // fired: the next arm_timer sets it again
            const sluice::instant t = now();
            session_.handle_timeout(t);
            if (hooks_.handle_timeout) hooks_.handle_timeout(t);
            pump();
        }
    }

    void report(std::string_view what, const error_code& ec) {
        if (hooks_.on_error) hooks_.on_error(what, ec);
    }
    void note(const std::string& what) {
        if (hooks_.trace) hooks_.trace(what);
    }

    asio::any_io_executor ex_;
    ssl::context& tls_;
    Session& session_;
    hooks hooks_;
    asio::steady_timer timer_;
    sluice::instant armed_ = sluice::instant::never();
    std::shared_ptr<link> link_;
    bool pumping_ = false;
    bool stopped_ = false;
};

/// Where an HTTP API lives: "http://host[:port]" or "https://...".
struct http_origin {
    bool tls = false;
    std::string host;
    std::uint16_t port = 80;
    std::string authority; ///< for the Host header: host, or host:port when not the default
};

/// Parses an http:// or https:// origin (a path after it is ignored).
/// Returns false for anything else.
inline bool parse_origin(std::string_view text, http_origin& out) {
    std::string as_ws;
    if (text.starts_with("https://")) as_ws = "wss://" + std::string(text.substr(8));
    else if (text.starts_with("http://")) as_ws = "ws://" + std::string(text.substr(7));
    else return false;
    sluice::ws::url u; // the same authority rules as ws:// URLs
    if (sluice::ws::parse_url(as_ws, u)) return false;
    out.tls = u.tls;
    out.host.assign(u.host);
    out.port = u.port;
    out.authority = out.host;
    if (!u.default_port()) out.authority += ":" + std::to_string(u.port);
    return true;
}

/// What http_fetch() got back.
struct http_response {
    error_code error; ///< the transport failed (connect, TLS, reset, timeout)
    std::error_code parse_error; ///< the response did not parse
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool ok() const { return !error && !parse_error && status != 0; }
};

/// Sends `request` (a whole HTTP/1.1 request) to `origin` on a new
/// connection and reads one response with sluice::http::response_parser.
inline task<http_response> http_fetch(ssl::context& tls, http_origin origin, std::string request,
                                      std::chrono::steady_clock::duration timeout = std::chrono::seconds(30)) {
    http_response r;
    auto conn = std::make_shared<connection>(co_await asio::this_coro::executor, tls);
    asio::steady_timer watchdog(co_await asio::this_coro::executor);
    auto timed_out = std::make_shared<bool>(false); // shared: the handler may run after this frame is gone
    watchdog.expires_after(timeout);
    watchdog.async_wait([conn, timed_out](const error_code& ec) {
        if (ec) return;
        *timed_out = true;
        conn->close();
    });
    r.error = co_await conn->open(origin.host, origin.port, origin.tls);
    if (!r.error) r.error = co_await conn->write(asio::buffer(request));
    sluice::http::response_parser parser;
    bool done = r.error.failed();
    std::array<char, 16384> buf;
    while (!done) {
        error_code ec;
        const std::size_t n = co_await conn->read_some(asio::buffer(buf), ec);
        std::string_view in(buf.data(), n);
        for (;;) {
            const sluice::http::parse_step s = n > 0 || !ec ? parser.parse(in) : parser.finish();
            if (s.event == sluice::http::parse_event::need_more) break;
            if (s.event == sluice::http::parse_event::head) {
                r.status = static_cast<unsigned>(parser.status());
                for (std::size_t i = 0; i < parser.header_count(); ++i) {
                    const auto f = parser.header_at(i);
                    r.headers.emplace_back(std::string(f.name), std::string(f.value));
                }
            } else if (s.event == sluice::http::parse_event::body) {
                r.body.append(s.body);
            } else if (s.event == sluice::http::parse_event::done) {
                done = true;
                break;
            } else if (s.event == sluice::http::parse_event::error) {
                r.parse_error = parser.error();
                done = true;
                break;
            }
            if (n == 0) break; // finish() said all there is to say
        }
        if (!done && ec) {
            r.error = ec;
            done = true;
        }
    }
    if (*timed_out) r.error = asio::error::timed_out;
    watchdog.cancel();
    conn->close();
    co_return r;
}

} // namespace example
