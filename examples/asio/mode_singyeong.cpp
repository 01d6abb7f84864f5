// sluice-client singyeong: the 신경 (singyeong) client (seed 003) in byte
// mode (ws::session<singyeong::client>) over the Asio driver.
#include <set>

#include <sluice/singyeong.hpp>

#include "modes.hpp"
#include "session_mode.hpp"

namespace example {
namespace {

namespace sy = sluice::singyeong;

// ---- stdout
struct ready_line {
    std::string_view event = "ready";
    std::string_view client_id;
    bool restricted = false;
};
struct message_line {
    std::string_view event = "message";
    std::string_view type; ///< SEND or BROADCAST
    sluice::json::raw payload;
    std::optional<std::string_view> nonce;
    std::optional<std::string_view> sender;
};
struct requested_line {
    std::string_view event = "requested";
    std::uint64_t id = 0;
};
struct reply_line {
    std::string_view event = "reply";
    std::uint64_t id = 0;
    std::string_view type;
    std::optional<sluice::json::raw> payload;
    std::optional<sluice::json::raw> nodes;
    std::optional<std::string_view> queue;
};
struct failed_line {
    std::string_view event = "request_failed";
    std::uint64_t id = 0;
    std::string reason;
};
struct queued_line {
    std::string_view event = "queued";
    std::string_view queue;
    std::string_view item;
    sluice::json::raw payload;
};
struct app_line {
    std::string_view event; ///< client_connected, client_disconnected
    std::string_view app;
};
struct frame_line {
    std::string_view event; ///< dispatch, invalid, server_error
    std::optional<std::string_view> t;
    sluice::json::raw d;
};

// ---- stdin: a routing query as JSON, and the commands
struct to_fields {
    std::optional<sluice::json::raw> value;
};
struct op_fields {
    std::string path;
    std::string op;
    to_fields to;
};
struct selector_fields {
    std::optional<std::string> min, max, avg;
};
struct query_fields {
    std::optional<std::string> application;
    std::optional<bool> restricted, droppable, optional_;
    std::optional<std::string> key;
    std::optional<std::vector<op_fields>> ops;
    std::optional<selector_fields> selector;
};
struct singyeong_command {
    std::optional<sluice::json::raw> send, broadcast, request;
    std::optional<query_fields> query, query_nodes;
    std::optional<double> timeout;
    std::optional<std::string> set_metadata, type;
    std::optional<sluice::json::raw> value;
    std::optional<bool> close;
};

} // namespace
} // namespace example

template <>
struct sluice::reflect::meta<example::selector_fields> {
    static constexpr sluice::reflect::rename renames[] = {{"min", "$min"}, {"max", "$max"}, {"avg", "$avg"}};
};
template <>
struct sluice::reflect::meta<example::query_fields> {
    static constexpr sluice::reflect::rename renames[] = {{"optional_", "optional"}};
};

namespace example {
namespace {

std::optional<sy::op> op_named(std::string_view s) {
    constexpr std::pair<std::string_view, sy::op> ops[] = {
        {"$eq", sy::op::eq},   {"$ne", sy::op::ne},   {"$gt", sy::op::gt}, {"$gte", sy::op::gte},           {"$lt", sy::op::lt},
        {"$lte", sy::op::lte}, {"$in", sy::op::in},   {"$nin", sy::op::nin}, {"$contains", sy::op::contains}, {"$ncontains", sy::op::ncontains}};
    for (const auto& [name, o] : ops)
        if (name == s) return o;
    return std::nullopt;
}

// The typed query from its JSON form (comparisons, all of which must hold;
// the CLI has no logical ops). Views point into `f`.
bool build_query(const query_fields& f, std::string_view default_app, sy::query& q, std::string& error) {
    q.application(f.application.value_or(std::string(default_app)));
    if (f.restricted) q.restricted(*f.restricted);
    if (f.droppable) q.droppable(*f.droppable);
    if (f.optional_) q.optional(*f.optional_);
    if (f.key) q.key(*f.key);
    if (f.ops)
        for (const op_fields& o : *f.ops) {
            const auto which = op_named(o.op);
            if (!which) {
                error = "unknown op " + o.op;
                return false;
            }
            q.where(sy::path::runtime(o.path), *which, o.to.value ? sy::value::json(o.to.value->text) : sy::value(nullptr));
        }
    if (f.selector) {
        if (f.selector->min) q.select(sy::selector::min, *f.selector->min);
        else if (f.selector->max) q.select(sy::selector::max, *f.selector->max);
        else if (f.selector->avg) q.select(sy::selector::avg, *f.selector->avg);
    }
    if (const std::error_code ec = q.error()) {
        error = ec.message();
        return false;
    }
    return true;
}

// "key=type:value" with type string, integer, float, boolean, version, list (JSON) or map (JSON).
std::optional<sy::metadata_value> metadata_of(std::string_view type, std::string_view text) {
    try {
        if (type == "string") return sy::metadata_value::string(text);
        if (type == "integer") return sy::metadata_value::integer(std::stoll(std::string(text)));
        if (type == "float") return sy::metadata_value::floating(std::stod(std::string(text)));
        if (type == "boolean") return sy::metadata_value::boolean(text == "true");
        if (type == "version") return sy::metadata_value::version(text);
        if (type == "list") return sy::metadata_value::list(text);
        if (type == "map") return sy::metadata_value::map(text);
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

class singyeong_mode final : public session_mode<sy::client> {
public:
    explicit singyeong_mode(const options& o) : session_mode(o) {}

private:
    bool start() override {
        client_id_ = opts_.get("client-id", "sluice-" + std::to_string(rng_() % 100000));
        sy::config cfg;
        if (opts_.url.starts_with("singyeong://") || opts_.url.starts_with("ssingyeong://")) {
            sy::dsn d;
            if (sy::parse_dsn(opts_.url, d)) return fail("the DSN is singyeong://app[:password]@host[:port]");
            cfg = sy::config::from_dsn(d, client_id_);
        } else {
            cfg.url = opts_.url;
            cfg.client_id = client_id_;
            cfg.application_id = opts_.get("app");
            cfg.auth = opts_.get("auth");
            if (cfg.application_id.empty()) return fail("--app is required with a ws:// URL");
        }
        app_ = cfg.application_id;
        cfg.receive_client_updates = opts_.has("client-updates");
        make_session(std::move(cfg));
        if (const std::error_code ec = machine().config_error()) return fail(ec.message());
        // Every client says who it is, so that replies can find it.
        std::vector<std::string> meta = opts_.all("metadata");
        meta.insert(meta.begin(), "sluice_client=string:" + client_id_);
        for (const std::string& m : meta) {
            const auto eq = m.find('='), colon = m.find(':', eq == std::string::npos ? 0 : eq);
            if (eq == std::string::npos || colon == std::string::npos) return fail("--metadata is key=type:value");
            const auto v = metadata_of(std::string_view(m).substr(eq + 1, colon - eq - 1), std::string_view(m).substr(colon + 1));
            if (!v) return fail("bad --metadata " + m);
            if (const std::error_code ec = machine().set_metadata(std::string_view(m).substr(0, eq), *v, now()))
                return fail("--metadata " + m + ": " + ec.message());
        }
        (void)start_session();
        return true;
    }
    bool fail(const std::string& why) {
        finish(2, "singyeong: " + why);
        return false;
    }

    bool ready() const override { return machine().is_ready(); }
    bool busy() const override { return !pending_.empty(); }

    void on_action(const entry_type& e) override {
        const sy::action& a = e.action.inner;
        const sy::entry se{a, e.bytes};
        switch (a.kind) {
        case sy::action_kind::ready: out_.line(ready_line{"ready", client_id_, a.restricted}); break;
        case sy::action_kind::message: {
            const std::string_view nonce = sy::nonce_text(se), sender = sy::sender(se);
            out_.line(message_line{"message", sy::to_string(a.dispatch), as_json(sy::payload(se)),
                                   nonce.empty() ? std::nullopt : std::optional<std::string_view>(nonce),
                                   sender.empty() ? std::nullopt : std::optional<std::string_view>(sender)});
            if (opts_.has("echo") && !nonce.empty()) echo(sender, nonce, sy::payload(se));
            break;
        }
        case sy::action_kind::reply: {
            reply_line l{"reply", a.nonce, sy::to_string(a.dispatch), std::nullopt, std::nullopt, std::nullopt};
            if (!sy::payload(se).empty()) l.payload = as_json(sy::payload(se));
            if (!sy::nodes(se).empty()) l.nodes = as_json(sy::nodes(se));
            if (!sy::queue(se).empty()) l.queue = sy::queue(se);
            out_.line(l);
            pending_.erase(a.nonce);
            break;
        }
        case sy::action_kind::request_failed:
            out_.line(failed_line{"request_failed", a.nonce, a.error.message()});
            pending_.erase(a.nonce);
            break;
        case sy::action_kind::queued: out_.line(queued_line{"queued", sy::queue(se), sy::item_id(se), as_json(sy::payload(se))}); break;
        case sy::action_kind::client_connected: out_.line(app_line{"client_connected", sy::app(se)}); break;
        case sy::action_kind::client_disconnected: out_.line(app_line{"client_disconnected", sy::app(se)}); break;
        case sy::action_kind::dispatch: out_.line(frame_line{"dispatch", sy::name(se), as_json(sy::data(se))}); break;
        case sy::action_kind::invalid: out_.line(frame_line{"invalid", std::nullopt, as_json(sy::data(se))}); break;
        case sy::action_kind::server_error: out_.line(frame_line{"server_error", std::nullopt, as_json(sy::data(se))}); break;
        case sy::action_kind::notice: gateway_notice(a, *driver_, a.error.message()); return;
        default: break; // transport actions are the session's
        }
        settle();
    }

    // --echo: answer a request by sending {"echo": payload} back to its sender.
    void echo(std::string_view sender, std::string_view nonce, std::string_view payload) {
        if (sender.empty()) {
            log("echo: the message names no sender");
            return;
        }
        const std::string to(sender), n(nonce), answer = R"({"echo":)" + std::string(payload) + R"(,"by":")" + client_id_ + "\"}";
        sy::query q(app_);
        q.where(sy::path("/sluice_client"), sy::op::eq, sy::value(std::string_view(to)));
        if (const std::error_code ec = machine().reply(q, n, answer, now())) log("echo: " + ec.message());
    }

    void command(std::string_view line) override {
        run_command<singyeong_command>(line, "singyeong commands: send/broadcast/request with query, query_nodes, set_metadata, close",
                                       [&](const singyeong_command& c) -> std::optional<std::error_code> {
                                           if (c.set_metadata) return set_metadata(c, line);
                                           if (c.query_nodes || ((c.send || c.broadcast || c.request) && c.query)) return route(c, line);
                                           return std::nullopt;
                                       });
    }
    std::error_code set_metadata(const singyeong_command& c, std::string_view line) {
        const std::string value = c.value ? text_of(*c.value) : std::string();
        const auto v = metadata_of(c.type.value_or("string"), value);
        if (!v) {
            command_error("set_metadata needs a type and a value of that type", line);
            return {}; // reported
        }
        return machine().set_metadata(*c.set_metadata, *v, now());
    }
    // send, broadcast, request (with query) and query_nodes.
    std::error_code route(const singyeong_command& c, std::string_view line) {
        const sluice::instant t = now();
        sy::query q;
        std::string error;
        if (!build_query(c.query_nodes ? *c.query_nodes : *c.query, app_, q, error)) {
            command_error(error, line);
            return {}; // reported
        }
        if (c.send) return machine().send(q, c.send->text, t);
        if (c.broadcast) return machine().broadcast(q, c.broadcast->text, t);
        const sluice::duration timeout = std::chrono::milliseconds(static_cast<std::int64_t>(c.timeout.value_or(10) * 1000));
        std::uint64_t id = 0;
        const std::error_code ec = c.request ? machine().request(q, c.request->text, t, timeout, id) : machine().query_nodes(q, t, timeout, id);
        if (!ec) {
            pending_.insert(id);
            out_.line(requested_line{"requested", id});
        }
        return ec;
    }

    std::string client_id_, app_;
    std::set<std::uint64_t> pending_;
};

} // namespace

void run_singyeong(const options& o) { singyeong_mode(o).run(); }

} // namespace example
