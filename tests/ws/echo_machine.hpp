#pragma once
// A trivial message-mode machine for the tests of ws::session: it echoes
// every message, closes with 4000 when told "close", and records what
// happened to it as actions of its own.
#include <sluice/core/action_queue.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ws_test {

using namespace sluice;

/// A message-mode machine that echoes every message, closes with 4000 when
/// told "close", and records what happened to it.
struct echo_action {
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0;
    char event = 0; // 'o' opened, 'm' message (payload = it), 'c' closed (close_code, payload = reason), 'd' dropped
};

class echo_machine {
public:
    /// Connects to `url`; echoes at most `echo_limit` messages (two echo
    /// machines, or one and an echo server, would otherwise never stop).
    explicit echo_machine(std::string url, int echo_limit = 1 << 30) : url_(std::move(url)), echoes_left_(echo_limit) {}
    /// Asks for the transport to be closed with `code`.
    void quit(std::uint16_t code = 1000) { q_.push({transport_op::close, message_type::text, code, 0}, "quit"); }
    /// Sends a message of its own.
    void say(std::string_view m, message_type t = message_type::text) { q_.push({transport_op::send, t, 0, 0}, m); }
    void connect(std::string_view extra_headers = {}) {
        std::string& a = q_.begin_payload();
        a.append(url_);
        if (!extra_headers.empty()) a.append("\r\n").append(extra_headers);
        q_.commit({transport_op::open, message_type::text, 0, 0});
    }
    void on_open(instant) { q_.push({transport_op::none, message_type::text, 0, 'o'}); }
    void on_message(std::string_view m, message_type t, instant) {
        q_.push({transport_op::none, t, 0, 'm'}, m);
        if (m == "close") q_.push({transport_op::close, t, 4000, 0}, "bye");
        else if (echoes_left_-- > 0) q_.push({transport_op::send, t, 0, 0}, m);
    }
    void on_close(close_info ci, instant) {
        q_.push({transport_op::none, message_type::text, ci.code.value_or(0), ci.code ? 'c' : 'd'}, ci.reason);
    }
    void handle_timeout(instant) {}
    instant next_deadline() const noexcept { return instant::never(); }
    const action_queue<echo_action>::entry* poll() { return q_.poll(); }

private:
    std::string url_;
    int echoes_left_;
    action_queue<echo_action> q_;
};
static_assert(message_machine<echo_machine>);

} // namespace ws_test
