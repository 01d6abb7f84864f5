// sluice-client socketio: a Socket.IO v5 client (ws::session<socketio::client>)
// over the Asio driver.
#include <set>

#include <sluice/engineio.hpp>
#include <sluice/socketio.hpp>

#include "modes.hpp"
#include "session_mode.hpp"

namespace example {
namespace {

namespace sio = sluice::socketio;

struct connected_line {
    std::string_view event = "connected";
    std::string_view namespace_;
    std::string_view sid;
};
struct refused_line {
    std::string_view event = "refused";
    std::string_view namespace_;
    sluice::json::raw data;
};
struct left_line {
    std::string_view event = "disconnected";
    std::string_view namespace_;
    std::string reason;
};
struct event_line {
    std::string_view event = "socketio";
    std::string_view namespace_;
    std::string_view name;
    sluice::json::raw args;
    std::optional<std::uint64_t> id;                    ///< the server waits for {"ack":id}
    std::optional<std::vector<std::size_t>> attachments; ///< binary attachments' sizes
};
struct ack_line {
    std::string_view event = "ack";
    std::uint64_t id = 0;
    std::string_view namespace_;
    std::optional<sluice::json::raw> args;
    std::optional<std::vector<std::size_t>> attachments;
    std::optional<std::string> error;
};
struct emitted_line {
    std::string_view event = "emitted";
    std::uint64_t id = 0;
};
struct socketio_command {
    std::optional<std::string> emit;
    std::optional<sluice::json::raw> args;
    std::optional<std::string> namespace_;
    std::optional<bool> ack_wanted;
    std::optional<std::uint64_t> ack; ///< answer the server's event with this id
    std::optional<bool> close;
};

} // namespace
} // namespace example

// "namespace" is a keyword, "ack" names two things: map the JSON keys.
template <>
struct sluice::reflect::meta<example::connected_line> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}};
};
template <>
struct sluice::reflect::meta<example::refused_line> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}};
};
template <>
struct sluice::reflect::meta<example::left_line> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}};
};
template <>
struct sluice::reflect::meta<example::event_line> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}};
};
template <>
struct sluice::reflect::meta<example::ack_line> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}};
};
template <>
struct sluice::reflect::meta<example::socketio_command> {
    static constexpr sluice::reflect::rename renames[] = {{"namespace_", "namespace"}, {"ack_wanted", "ack"}, {"ack", "answer"}};
};

namespace example {
namespace {

class socketio_mode final : public session_mode<sio::client> {
public:
    explicit socketio_mode(const options& o) : session_mode(o) {}

private:
    bool start() override {
        sio::config cfg;
        cfg.engine.url = sluice::engineio::make_url(opts_.url);
        for (const std::string& h : opts_.all("header")) cfg.engine.headers += h + "\r\n";
        if (cfg.validate()) {
            finish(2, "socketio: the URL must be ws://host[:port] or wss://...");
            return false;
        }
        make_session(std::move(cfg));
        namespaces_ = opts_.all("namespace");
        if (namespaces_.empty()) namespaces_.push_back("/");
        const std::string auth = opts_.get("auth");
        for (const std::string& nsp : namespaces_)
            if (const std::error_code ec = machine().join(nsp, auth, now())) {
                finish(2, "socketio: cannot join " + nsp + ": " + ec.message());
                return false;
            }
        start_session();
        return true;
    }

    // Ready once every namespace asked for has its answer (connected or refused).
    bool ready() const override {
        for (const std::string& nsp : namespaces_) {
            const auto s = machine().state_of(nsp);
            if (!s || *s == sio::namespace_state::pending || *s == sio::namespace_state::connecting) return false;
        }
        return true;
    }
    bool busy() const override { return !acks_.empty(); }

    void on_action(const entry_type& e) override {
        const sio::action& a = e.action.inner;
        switch (a.kind) {
        case sio::action_kind::namespace_connected: out_.line(connected_line{"connected", a.nsp, a.data}); break;
        case sio::action_kind::namespace_refused: out_.line(refused_line{"refused", a.nsp, as_json(a.data)}); break;
        case sio::action_kind::namespace_disconnected: out_.line(left_line{"disconnected", a.nsp, a.error.message()}); break;
        case sio::action_kind::event: {
            event_line l{"socketio", a.nsp, a.name, as_json(a.args), a.id, std::nullopt};
            if (!a.attachments.empty()) l.attachments = sizes(a.attachments);
            out_.line(l);
            break;
        }
        case sio::action_kind::ack: {
            ack_line l{"ack", a.id.value_or(0), a.nsp, std::nullopt, std::nullopt, std::nullopt};
            if (a.error) l.error = a.error.message();
            else l.args = as_json(a.args);
            if (!a.attachments.empty()) l.attachments = sizes(a.attachments);
            out_.line(l);
            if (a.id) acks_.erase(*a.id);
            break;
        }
        case sio::action_kind::disconnected:
            if (disconnected(a)) return;
            break;
        default: break; // opened, ping: nothing to tell
        }
        settle();
    }

    static std::vector<std::size_t> sizes(std::span<const std::string_view> attachments) {
        std::vector<std::size_t> out;
        for (std::string_view b : attachments) out.push_back(b.size());
        return out;
    }

    void command(std::string_view line) override {
        run_command<socketio_command>(line, "socketio commands: emit (args, namespace, ack), answer, close",
                                      [&](const socketio_command& c) -> std::optional<std::error_code> {
                                          if (!c.emit && !c.ack) return std::nullopt;
                                          const std::string nsp = c.namespace_.value_or(namespaces_.front());
                                          const std::string_view args = c.args ? c.args->text : std::string_view("[]");
                                          if (!args.starts_with('[')) {
                                              command_error("args is a JSON array", line);
                                              return std::error_code{}; // reported
                                          }
                                          if (!c.emit) return machine().ack(nsp, *c.ack, args);
                                          if (!c.ack_wanted.value_or(false)) return machine().emit(nsp, *c.emit, args);
                                          std::uint64_t id = 0;
                                          const std::error_code ec =
                                              machine().emit_with_ack(nsp, *c.emit, args, now(), std::chrono::seconds(30), id);
                                          if (!ec) {
                                              acks_.insert(id);
                                              out_.line(emitted_line{"emitted", id});
                                          }
                                          return ec;
                                      });
    }

    std::vector<std::string> namespaces_;
    std::set<std::uint64_t> acks_;
};

} // namespace

void run_socketio(const options& o) { socketio_mode(o).run(); }

} // namespace example
