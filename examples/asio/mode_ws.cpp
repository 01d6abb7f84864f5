// sluice-client ws: a plain WebSocket client. The smallest message machine
// there is (it only carries messages) inside ws::session, driven by the
// Asio driver.
#include <random>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/ws/session.hpp>

#include "modes.hpp"
#include "tool.hpp"

namespace example {
namespace {

// A message machine that opens one connection and reports what arrives.
class message_pipe {
public:
    enum class kind : std::uint8_t { transport, opened, message, closed };
    struct action {
        sluice::transport_op op = sluice::transport_op::none;
        sluice::message_type type = sluice::message_type::text;
        std::uint16_t close_code = 0; ///< close: the code to send; closed: the code received (1006: none)
        kind what = kind::transport;
    };
    using entry = sluice::action_queue<action>::entry;

    void start(std::string_view url, std::string_view header_block) {
        std::string& out = queue_.begin_payload();
        out.append(url);
        if (!header_block.empty()) out.append("\r\n").append(header_block);
        queue_.commit({sluice::transport_op::open, sluice::message_type::text, 0, kind::transport});
    }
    bool send(std::string_view text, sluice::message_type type) {
        if (!open_) return false;
        queue_.push({sluice::transport_op::send, type, 0, kind::transport}, text);
        return true;
    }
    void close(std::uint16_t code, std::string_view reason) {
        closing_ = true;
        queue_.push({sluice::transport_op::close, sluice::message_type::text, code, kind::transport}, reason);
    }
    bool is_open() const { return open_; }
    bool closed_by_us() const { return closing_; }

    // message_machine
    void on_open(sluice::instant) {
        open_ = true;
        queue_.push({sluice::transport_op::none, sluice::message_type::text, 0, kind::opened});
    }
    void on_message(std::string_view m, sluice::message_type t, sluice::instant) {
        queue_.push({sluice::transport_op::none, t, 0, kind::message}, m);
    }
    void on_close(sluice::close_info info, sluice::instant) {
        open_ = false;
        queue_.push({sluice::transport_op::none, sluice::message_type::text, info.code.value_or(1006), kind::closed}, info.reason);
    }
    void handle_timeout(sluice::instant) {}
    sluice::instant next_deadline() const { return sluice::instant::never(); }
    const entry* poll() { return queue_.poll(); }

private:
    sluice::action_queue<action> queue_;
    bool open_ = false;
    bool closing_ = false;
};
static_assert(sluice::message_machine<message_pipe>);

struct opened_line {
    std::string_view event = "open";
    std::string_view url;
};
struct text_line {
    std::string_view event = "message";
    std::string_view text;
};
struct binary_line {
    std::string_view event = "message";
    std::size_t binary = 0;
};
struct ws_closed_line {
    std::string_view event = "closed";
    std::uint16_t code = 0;
    std::string_view reason;
};
struct ws_command {
    std::optional<std::string> send;
    std::optional<std::string> send_binary;
    std::optional<std::uint16_t> close;
    std::optional<std::string> reason;
};

class ws_mode final : public mode {
public:
    explicit ws_mode(const options& o) : mode(o) {}

private:
    using session_type = sluice::ws::session<message_pipe>;

    bool start() override {
        sluice::ws::url u;
        if (sluice::ws::parse_url(opts_.url, u)) {
            finish(2, "ws: the URL must be ws://host[:port]/path or wss://...");
            return false;
        }
        for (const std::string& h : opts_.all("header")) headers_ += h + "\r\n";
        driver_.pump(); // nothing yet; arms the timer
        session_.inner().start(opts_.url, headers_);
        driver_.pump();
        return true;
    }
    bool ready() const override { return session_.inner().is_open(); }

    void command(std::string_view line) override {
        ws_command c;
        if (!read_command(line, c, out_)) return;
        if (c.send) session_.inner().send(*c.send, sluice::message_type::text);
        if (c.send_binary) session_.inner().send(*c.send_binary, sluice::message_type::binary);
        if (c.close) session_.inner().close(*c.close, c.reason.value_or(""));
        if (!c.send && !c.send_binary && !c.close) command_error("ws commands: send, send_binary, close", line);
        driver_.pump();
    }
    void close() override {
        session_.inner().close(1000, "");
        driver_.pump();
    }

    void on_action(const session_type::entry& e) {
        const message_pipe::action& a = e.action.inner;
        switch (a.what) {
        case message_pipe::kind::opened: out_.line(opened_line{"open", opts_.url}); break;
        case message_pipe::kind::message:
            if (a.type == sluice::message_type::text) out_.line(text_line{"message", e.bytes});
            else out_.line(binary_line{"message", e.bytes.size()});
            break;
        case message_pipe::kind::closed: {
            out_.line(ws_closed_line{"closed", a.close_code, e.bytes});
            driver_.stop();
            if (a.close_code == 1000 || a.close_code == 1001 || session_.inner().closed_by_us()) finish(0);
            else if (a.close_code == 1006 && session_.codec().error())
                finish(1, "ws: the connection failed: " + session_.codec().error().message());
            else finish(1, "ws: the connection ended with code " + std::to_string(a.close_code));
            return;
        }
        case message_pipe::kind::transport: break;
        }
        settle();
    }

    std::mt19937_64 os_seeded_{std::random_device{}()};
    std::string headers_;
    session_type session_{sluice::entropy(os_seeded_), sluice::ws::client_options{}};
    driver<session_type> driver_{io_.get_executor(), tls_, session_,
                                 hooks_for<session_type>([this](const session_type::entry& e) { on_action(e); })};
};

} // namespace

void run_ws(const options& o) { ws_mode(o).run(); }

} // namespace example
