// sluice-client i386chat: the i386chat gateway client (seed 002) in byte
// mode (ws::session<i386chat::client>) over the Asio driver.
#include <random>

#include <sluice/i386chat.hpp>
#include <sluice/ws/session.hpp>

#include "modes.hpp"
#include "tool.hpp"

namespace example {
namespace {

namespace chat = sluice::i386chat;

struct ready_line {
    std::string_view event = "ready";
    std::uint64_t session_id = 0;
    std::int64_t v = 0;
};
struct execute_line {
    std::string_view event = "execute";
    std::string_view t;
    std::optional<std::uint64_t> s;
    sluice::json::raw cnf;
};
struct server_error_line {
    std::string_view event = "server_error";
    std::int64_t c = 0;
    bool d = false;
};
struct executed_line {
    std::string_view event = "executed";
    std::string_view t;
    std::uint64_t s = 0;
};
struct i386chat_command {
    std::optional<std::string> execute;
    std::optional<sluice::json::raw> cnf;
    std::optional<bool> close;
};

class i386chat_mode final : public mode {
public:
    explicit i386chat_mode(const options& o) : mode(o) {}

private:
    using session_type = sluice::ws::session<chat::client>;

    bool start() override {
        chat::config cfg;
        cfg.url = opts_.url;
        cfg.token = opts_.get("token");
        if (cfg.token.empty()) {
            finish(2, "i386chat: --token is required");
            return false;
        }
        if (opts_.get("event-key", "t") == "e") cfg.key = chat::event_key::e;
        session_.emplace(sluice::entropy(rng_), sluice::ws::client_options{}, std::move(cfg), sluice::entropy(rng_));
        driver_.emplace(io_.get_executor(), tls_, *session_,
                        hooks_for<session_type>([this](const session_type::entry& e) { on_action(e); }));
        if (const std::error_code ec = session_->inner().start(now())) {
            finish(2, "i386chat: " + ec.message());
            return false;
        }
        driver_->pump();
        return true;
    }

    bool ready() const override { return session_->inner().is_ready(); }

    void close() override {
        (void)session_->inner().close(now());
        driver_->pump();
    }

    void on_action(const session_type::entry& e) {
        const chat::action& a = e.action.inner;
        const chat::entry ce{a, e.bytes};
        switch (a.kind) {
        case chat::action_kind::ready: {
            const chat::ready_info& r = session_->inner().ready();
            out_.line(ready_line{"ready", r.session_id, r.version});
            break;
        }
        case chat::action_kind::event:
            out_.line(execute_line{"execute", chat::name(ce), a.has_seq ? std::optional<std::uint64_t>(a.seq) : std::nullopt,
                                   as_json(chat::data(ce))});
            break;
        case chat::action_kind::error: out_.line(server_error_line{"server_error", a.code, a.disconnecting}); break;
        case chat::action_kind::notice: gateway_notice(a, *driver_, a.error.message()); return;
        default: break; // transport actions are the session's
        }
        settle();
    }

    void command(std::string_view line) override {
        i386chat_command c;
        if (!read_command(line, c, out_)) return;
        if (c.execute) {
            const std::string_view cnf = c.cnf ? c.cnf->text : std::string_view();
            if (const std::error_code ec = session_->inner().execute(*c.execute, cnf, now())) command_error(ec.message(), line);
            else out_.line(executed_line{"executed", *c.execute, session_->inner().last_sent_sequence()});
        } else if (c.close) {
            closing_ = true;
            close();
            return;
        } else {
            command_error("i386chat commands: execute (with cnf), close", line);
        }
        driver_->pump();
    }

    std::mt19937_64 rng_{std::random_device{}()};
    std::optional<session_type> session_;
    std::optional<driver<session_type>> driver_;
};

} // namespace

void run_i386chat(const options& o) { i386chat_mode(o).run(); }

} // namespace example
