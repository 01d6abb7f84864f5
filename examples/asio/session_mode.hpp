#pragma once
// examples/asio/session_mode.hpp: the base of the sluice-client modes whose
// machine runs in byte mode, ws::session<Inner>, over the Asio driver
// (i386chat, nightingale, navigator, socketio, singyeong). It owns the
// session, the driver and the random source, and writes once what those
// modes share: building the session, starting it, closing it, and the
// command loop's frame (read the JSON command, "close", report errors, pump),
// and the end of an Engine.IO based session.
// A mode adds its configuration, ready(), on_action() and its commands.
//
// Includes: <optional>, <random>, <string_view>, <system_error>;
// <sluice/core/entropy.hpp>, <sluice/ws/session.hpp>; tool.hpp (mode, driver).
#include <optional>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>

#include <sluice/core/entropy.hpp>
#include <sluice/ws/session.hpp>

#include "tool.hpp"

namespace example {

template <class Inner>
class session_mode : public mode {
protected:
    using session_type = sluice::ws::session<Inner>;
    using entry_type = typename session_type::entry;

    explicit session_mode(const options& o) : mode(o) {}

    /// The session's machine (valid after make_session()).
    Inner& machine() { return session_->inner(); }
    const Inner& machine() const { return session_->inner(); }

    /// Builds the session; its machine gets `cfg` and an entropy source.
    template <class Config>
    void make_session(Config&& cfg) {
        session_.emplace(sluice::entropy(rng_), sluice::ws::client_options{}, std::forward<Config>(cfg), sluice::entropy(rng_));
    }

    /// Builds the driver (actions go to on_action()), starts the machine and
    /// runs the first actions. Returns what the machine's start() returns.
    auto start_session() {
        driver_.emplace(io_.get_executor(), tls_, *session_, hooks_for<session_type>([this](const entry_type& e) { on_action(e); }));
        auto r = machine().start(now());
        driver_->pump();
        return r;
    }

    /// One action of the session (the machine's, wrapped by ws::session).
    virtual void on_action(const entry_type& e) = 0;

    /// A `disconnected` action of an Engine.IO based machine (socketio,
    /// navigator; its action has `retry_at`, `error` and `peer_close`):
    /// "reconnecting" when it retries; else "closed" and the exit (status 0
    /// after close(), else 1). True when the session ended.
    template <class Action>
    bool disconnected(const Action& a) {
        if (!a.retry_at.is_never()) {
            out_.line(reconnecting_line{"reconnecting", std::nullopt, a.error.message(), a.peer_close});
            return false;
        }
        out_.line(closed_line{"closed", a.error.message(), a.peer_close});
        driver_->stop();
        if (closing_) finish(0);
        else finish(1, opts_.mode + ": " + a.error.message());
        return true;
    }

    void close() override {
        closing_ = true;
        (void)machine().close(now());
        driver_->pump();
    }

    /// The frame of command(): reads `line` into a Command; {"close":true}
    /// closes; anything else goes to `handle(c)`, which returns the error of
    /// the machine's call ({} when it went through: reported as a command
    /// error otherwise), or nullopt when `c` is none of the mode's commands
    /// (`usage` is reported). Then the driver carries out what was queued.
    template <class Command, class F>
    void run_command(std::string_view line, std::string_view usage, F&& handle) {
        Command c;
        if (!read_command(line, c, out_)) return;
        if (c.close) {
            close();
            return;
        }
        const std::optional<std::error_code> ec = handle(c);
        if (!ec) command_error(usage, line);
        else if (*ec) command_error(ec->message(), line);
        driver_->pump();
    }

    std::mt19937_64 rng_{std::random_device{}()};
    std::optional<session_type> session_;
    std::optional<driver<session_type>> driver_;
};

} // namespace example
