#pragma once
// examples/asio/tool.hpp: what every sluice-client mode shares: command-line
// options, JSON lines on stdout (written with sluice::json), commands from
// stdin (read on a thread, handled on the io_context's), and the mode's life
// cycle (commands wait until the session is ready; stdin's end closes the
// session once nothing started by a command is pending).
//
// Includes: driver.hpp (Asio, TLS), options.hpp; <sluice/json/*> for the lines;
// <sluice/gateway/{action,errc}.hpp> for the engine's notices.
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sluice/gateway/action.hpp>
#include <sluice/gateway/errc.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>

#include "driver.hpp"
#include "options.hpp"

namespace example {

/// One JSON object a line on stdout, flushed at once (a pipe reader sees
/// each event when it happens).
class json_out {
public:
    template <class T>
    void line(const T& value) {
        buf_.clear();
        if (const std::error_code ec = sluice::json::write(value, buf_)) {
            std::fprintf(stderr, "sluice-client: cannot write an event: %s\n", ec.message().c_str());
            return;
        }
        buf_.push_back('\n');
        std::fwrite(buf_.data(), 1, buf_.size(), stdout);
        std::fflush(stdout);
    }

private:
    std::string buf_;
};

/// Text that may or may not be JSON, as a JSON value: itself when it is JSON,
/// else null (never writes invalid JSON).
inline sluice::json::raw as_json(std::string_view text) {
    if (text.empty() || sluice::json::validate(text)) return {};
    return {text};
}

/// What every gateway mode says when its engine reconnects or stops.
struct reconnecting_line {
    std::string_view event = "reconnecting";
    std::optional<bool> resume; ///< resuming the session (true), or a new one
    std::string reason;
    std::optional<std::uint16_t> code; ///< the server's close code
};
struct closed_line {
    std::string_view event = "closed";
    std::string reason;
    std::optional<std::uint16_t> code;
};
struct notice_line {
    std::string_view event = "notice";
    std::string reason;
};

/// An event line with only its name and a message, e.g. a command's error.
struct error_line {
    std::string_view event = "error";
    std::string_view message;
    std::optional<std::string_view> command;
};

/// The base of every mode: the io_context, TLS, stdout, and the command
/// queue. A mode builds its machine and driver, and implements the hooks.
class mode {
public:
    explicit mode(const options& o) : opts_(o) { configure_tls(tls_, {o.get("ca-file"), true}); }
    virtual ~mode() = default;
    mode(const mode&) = delete;
    mode& operator=(const mode&) = delete;

    /// Runs until the session ends, then exits the process with the status.
    /// (The stdin reader thread may still be blocked in a read: the process
    /// leaves without running destructors under its feet.)
    [[noreturn]] void run() {
        if (start()) {
            read_stdin();
            io_.run();
        }
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(exit_code_);
    }

protected:
    /// Begins connecting; false (after finish()) when the configuration is bad.
    virtual bool start() = 0;
    /// Commands can run now (the session is ready).
    virtual bool ready() const = 0;
    /// Something a command started is still pending (a job, a request).
    virtual bool busy() const { return false; }
    /// One command line (a JSON object); report errors with command_error().
    virtual void command(std::string_view line) = 0;
    /// Stdin ended and nothing is pending: close the session cleanly
    /// (finish(0) once it is closed).
    virtual void close() = 0;

    /// Call when ready() or busy() may have changed: runs queued commands,
    /// and closes after stdin's end once idle.
    void settle() {
        while (ready() && !queued_.empty()) {
            const std::string line = std::move(queued_.front());
            queued_.pop_front();
            command(line);
        }
        if (input_done_ && queued_.empty() && ready() && !busy() && !closing_) {
            closing_ = true;
            close();
        }
    }

    /// Ends the program with `status`; `why` goes to stderr when not empty.
    void finish(int status, std::string_view why = {}) {
        if (!why.empty()) std::fprintf(stderr, "sluice-client: %.*s\n", static_cast<int>(why.size()), why.data());
        exit_code_ = status;
        io_.stop();
    }

    /// A notice of a machine built on the gateway engine (its action has
    /// `next`, `error` and `close_code`): "reconnecting" before a new
    /// connection, "closed" and the exit when it stops (status 0 after
    /// close(), else 1 with `why` on stderr).
    template <class Action, class Driver>
    void gateway_notice(const Action& a, Driver& d, const std::string& why) {
        const std::optional<std::uint16_t> code = a.close_code ? std::optional<std::uint16_t>(a.close_code) : std::nullopt;
        switch (a.next) {
        case sluice::gateway::next_step::none: out_.line(notice_line{"notice", a.error.message()}); break;
        case sluice::gateway::next_step::resume:
        case sluice::gateway::next_step::new_session:
            out_.line(reconnecting_line{"reconnecting", a.next == sluice::gateway::next_step::resume, a.error.message(), code});
            break;
        case sluice::gateway::next_step::stop:
            out_.line(closed_line{"closed", a.error.message(), code});
            d.stop();
            if (a.error == sluice::gateway::errc::closed_by_user) finish(0);
            else finish(1, opts_.mode + ": " + why);
            return;
        }
        settle();
    }

    void command_error(std::string_view message, std::string_view line) {
        out_.line(error_line{"error", message, line});
    }
    void log(std::string_view text) const {
        if (opts_.has("verbose")) std::fprintf(stderr, "sluice-client: %.*s\n", static_cast<int>(text.size()), text.data());
    }
    /// The driver hooks every mode uses: its actions to `on_action`,
    /// connection failures to stderr, socket events to stderr with --verbose.
    template <class Session, class F>
    typename driver<Session>::hooks hooks_for(F&& on_action) const {
        typename driver<Session>::hooks h;
        h.on_action = std::forward<F>(on_action);
        h.on_error = report_connect_error;
        if (opts_.has("verbose")) h.trace = [this](std::string_view what) { log(what); };
        return h;
    }

    static void report_connect_error(std::string_view what, const error_code& ec) {
        std::fprintf(stderr, "sluice-client: %.*s: %s\n", static_cast<int>(what.size()), what.data(), ec.message().c_str());
    }

    static std::int64_t unix_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    const options& opts_;
    asio::io_context io_;
    ssl::context tls_{ssl::context::tls_client};
    json_out out_;
    bool closing_ = false;

private:
    // Lines are read on a thread (stdin may be a file, a pipe or a terminal)
    // and handed to the io_context's thread, where the machine lives.
    void read_stdin() {
        std::thread([this, work = asio::make_work_guard(io_)] {
            std::string line;
            while (std::getline(std::cin, line)) {
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                asio::post(io_, [this, l = std::move(line)]() mutable { on_line(std::move(l)); });
                line.clear();
            }
            asio::post(io_, [this] {
                input_done_ = true;
                settle();
            });
        }).detach();
    }
    void on_line(std::string line) {
        if (sluice::json::validate(line)) {
            command_error("a command is one JSON object a line", line);
            return;
        }
        queued_.push_back(std::move(line));
        settle();
    }

    std::deque<std::string> queued_;
    bool input_done_ = false;
    int exit_code_ = 0;
};

/// Reads a JSON command into T; reports and returns false when it does not fit.
template <class T>
bool read_command(std::string_view line, T& out, json_out& o) {
    sluice::json::error_info where;
    if (const std::error_code ec = sluice::json::read(out, line, &where)) {
        std::string message = ec.message();
        if (!where.path.empty()) message += " at " + where.path;
        o.line(error_line{"error", message, line});
        return false;
    }
    return true;
}

/// A JSON string value's text (escapes decoded), or the raw text of any other value.
inline std::string text_of(const sluice::json::raw& r) {
    std::string s;
    if (!r.text.empty() && r.text.front() == '"' && !sluice::json::read(s, r.text)) return s;
    return std::string(r.text);
}

} // namespace example
