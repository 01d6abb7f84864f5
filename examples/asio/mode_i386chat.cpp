// sluice-client i386chat: the i386chat gateway client (seed 002) in byte
// mode (ws::session<i386chat::client>) over the Asio driver.
#include <sluice/i386chat.hpp>

#include "modes.hpp"
#include "session_mode.hpp"

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

class i386chat_mode final : public session_mode<chat::client> {
public:
    explicit i386chat_mode(const options& o) : session_mode(o) {}

private:
    bool start() override {
        chat::config cfg;
        cfg.url = opts_.url;
        cfg.token = opts_.get("token");
        if (cfg.token.empty()) {
            finish(2, "i386chat: --token is required");
            return false;
        }
        if (opts_.get("event-key", "t") == "e") cfg.key = chat::event_key::e;
        make_session(std::move(cfg));
        if (const std::error_code ec = start_session()) {
            finish(2, "i386chat: " + ec.message());
            return false;
        }
        return true;
    }

    bool ready() const override { return machine().is_ready(); }

    void on_action(const entry_type& e) override {
        const chat::action& a = e.action.inner;
        const chat::entry ce{a, e.bytes};
        switch (a.kind) {
        case chat::action_kind::ready: {
            const chat::ready_info& r = machine().ready();
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
        run_command<i386chat_command>(line, "i386chat commands: execute (with cnf), close",
                                      [&](const i386chat_command& c) -> std::optional<std::error_code> {
                                          if (!c.execute) return std::nullopt;
                                          const std::string_view cnf = c.cnf ? c.cnf->text : std::string_view();
                                          const std::error_code ec = machine().execute(*c.execute, cnf, now());
                                          if (!ec) out_.line(executed_line{"executed", *c.execute, machine().last_sent_sequence()});
                                          return ec;
                                      });
    }
};

} // namespace

void run_i386chat(const options& o) { i386chat_mode(o).run(); }

} // namespace example
