// examples/libwebsockets/sluice_lws.cpp: sluice machines in message mode over
// libwebsockets 4.1. lws speaks WebSocket (and TLS); sluice speaks the
// protocol; one lws timer follows the machine's next deadline.
//
//     sluice-lws discord   ws://127.0.0.1:PORT --token TOKEN [--seconds N] [--ca-file PEM]
//     sluice-lws singyeong singyeong://app[:password]@host:port [--client-id ID] [--seconds N]
//
// Prints the same JSON lines as sluice-client (ready, dispatch/message,
// reconnecting, resumed, closed); after --seconds (default: run until the
// session stops) it closes the session cleanly and exits 0. A session that
// stops by itself (a fatal close code) exits 1.
//
// The adapter, lws_driver<Machine>, is everything a libwebsockets program
// needs to run a sluice machine whose actions follow core/transport.hpp
// (op = send / open / close, or none for the protocol's own actions):
//
//   lws callback                        machine input
//   CLIENT_ESTABLISHED ───────────────▶ on_open(now)
//   CLIENT_RECEIVE (until final) ─────▶ on_message(whole message, type, now)
//   WS_PEER_INITIATED_CLOSE, CLOSED ──▶ on_close({code or none}, now)
//   CLIENT_CONNECTION_ERROR ──────────▶ on_open_refused(status, now) when the
//                                       upgrade got an HTTP answer other than
//                                       101 (and the machine takes it), else
//                                       on_close({}, now)
//   the sul timer ────────────────────▶ handle_timeout(now)
//
//   machine action                      lws call
//   open (URL + header lines) ────────▶ lws_client_connect_via_info (the old wsi is killed)
//   send ─────────────────────────────▶ queued; lws_write in CLIENT_WRITEABLE
//   close ────────────────────────────▶ lws_close_reason in CLIENT_WRITEABLE, then -1
#include <libwebsockets.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/core/transport.hpp>
#include <sluice/discord.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
#include <sluice/singyeong.hpp>
#include <sluice/ws/url.hpp>

namespace {

sluice::instant now() { return sluice::instant::from(std::chrono::steady_clock::now()); }

// ---- the adapter ------------------------------------------------------------------

template <class Machine>
class lws_driver {
public:
    using entry = std::remove_cvref_t<decltype(*std::declval<Machine&>().poll())>;

    /// `on_action` gets the machine's own actions (op == none); `ca_file`
    /// ("" = the system's roots) is trusted for wss://.
    lws_driver(Machine& m, std::function<void(const entry&)> on_action, const std::string& ca_file)
        : machine_(m), on_action_(std::move(on_action)) {
        protocols_[0] = {"sluice", &lws_driver::callback, 0, 0, 0, this, 0};
        protocols_[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
        lws_context_creation_info info;
        std::memset(&info, 0, sizeof info);
        info.port = CONTEXT_PORT_NO_LISTEN;
        info.protocols = protocols_;
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        if (!ca_file.empty()) info.client_ssl_ca_filepath = ca_file.c_str();
        info.user = this;
        context_ = lws_create_context(&info);
        timer_.owner = this;
    }
    ~lws_driver() {
        if (context_) lws_context_destroy(context_);
    }
    lws_driver(const lws_driver&) = delete;
    lws_driver& operator=(const lws_driver&) = delete;

    bool ok() const { return context_ != nullptr; }
    lws_context* context() const { return context_; }

    /// Carries out the queued actions and re-arms the timer. Call after
    /// every call on the machine.
    void pump() {
        while (const auto* e = machine_.poll()) {
            switch (e->action.op) {
            case sluice::transport_op::open: open(sluice::open_request::parse(e->bytes)); break;
            case sluice::transport_op::send:
                outbox_.emplace_back(e->bytes, e->action.type);
                if (wsi_) lws_callback_on_writable(wsi_);
                break;
            case sluice::transport_op::close:
                close_code_ = e->action.close_code;
                close_reason_.assign(e->bytes);
                if (wsi_) lws_callback_on_writable(wsi_);
                break;
            case sluice::transport_op::none: on_action_(*e); break;
            }
        }
        const sluice::instant d = machine_.next_deadline();
        if (d.is_never()) {
            lws_sul_cancel(&timer_.sul);
            return;
        }
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d - now()).count();
        lws_sul_schedule(context_, 0, &timer_.sul, &lws_driver::on_timer, us > 0 ? us : 0);
    }

    /// Serves lws until `done()` says so.
    void run(const std::function<bool()>& done) {
        while (!done() && lws_service(context_, 0) >= 0) {
        }
    }

private:
    struct timer_slot {
        lws_sorted_usec_list_t sul; // first: the callback gets its address
        lws_driver* owner = nullptr;
    };

    void open(const sluice::open_request& req) {
        drop();
        sluice::ws::url u;
        url_.assign(req.url);
        headers_.assign(req.header_block);
        if (sluice::ws::parse_url(url_, u)) {
            machine_.on_close(sluice::close_info{}, now());
            return;
        }
        host_.assign(u.host);
        path_.assign(u.target);
        lws_client_connect_info ci;
        std::memset(&ci, 0, sizeof ci);
        ci.context = context_;
        ci.address = host_.c_str();
        ci.port = u.port;
        ci.path = path_.c_str();
        ci.host = host_.c_str();
        ci.origin = host_.c_str();
        ci.ssl_connection = u.tls ? LCCSCF_USE_SSL : 0;
        ci.protocol = nullptr;
        ci.local_protocol_name = protocols_[0].name;
        ci.pwsi = &wsi_;
        peer_code_.reset();
        rx_.clear();
        outbox_.clear();
        close_code_ = 0;
        if (!lws_client_connect_via_info(&ci)) wsi_ = nullptr; // CONNECTION_ERROR has been (or will be) reported
    }

    // The machine moved on: the old connection is killed, its callbacks ignored.
    void drop() {
        if (!wsi_) return;
        lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        wsi_ = nullptr;
    }

    int on_event(lws* wsi, lws_callback_reasons reason, void* in, std::size_t len) {
        if (wsi != wsi_) return reason == LWS_CALLBACK_CLIENT_WRITEABLE ? -1 : 0; // an old connection
        switch (reason) {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            auto** p = static_cast<unsigned char**>(in);
            unsigned char* end = *p + len;
            bool failed = false;
            sluice::open_request{url_, headers_}.for_each_header([&](std::string_view name, std::string_view value) {
                const std::string n = std::string(name) + ":", v(value);
                failed = failed || lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(n.c_str()),
                                                               reinterpret_cast<const unsigned char*>(v.data()),
                                                               static_cast<int>(v.size()), p, end);
            });
            return failed ? -1 : 0;
        }
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            (void)machine_.on_open(now());
            if (!outbox_.empty() || close_code_) lws_callback_on_writable(wsi);
            break;
        case LWS_CALLBACK_CLIENT_RECEIVE:
            if (lws_is_first_fragment(wsi)) rx_.clear();
            rx_.append(static_cast<const char*>(in), len);
            if (lws_is_final_fragment(wsi))
                (void)machine_.on_message(rx_, lws_frame_is_binary(wsi) ? sluice::message_type::binary : sluice::message_type::text,
                                          now());
            break;
        case LWS_CALLBACK_CLIENT_WRITEABLE: {
            if (close_code_ != 0) {
                lws_close_reason(wsi, static_cast<lws_close_status>(close_code_),
                                 reinterpret_cast<unsigned char*>(close_reason_.data()), close_reason_.size());
                return -1;
            }
            if (outbox_.empty()) break;
            auto& [text, type] = outbox_.front();
            buf_.assign(LWS_PRE, '\0');
            buf_.append(text);
            const int n = lws_write(wsi, reinterpret_cast<unsigned char*>(buf_.data()) + LWS_PRE, text.size(),
                                    type == sluice::message_type::text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY);
            if (n < static_cast<int>(text.size())) return -1;
            outbox_.pop_front();
            if (!outbox_.empty()) lws_callback_on_writable(wsi);
            break;
        }
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            if (len >= 2) {
                const auto* b = static_cast<const unsigned char*>(in);
                peer_code_ = static_cast<std::uint16_t>(b[0] << 8 | b[1]);
            }
            break;
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
            // An upgrade answered with another status than 101 (lws keeps the
            // status until this callback returns): the protocol decides.
            const unsigned status = wsi ? lws_http_client_http_response(wsi) : 0u;
            std::fprintf(stderr, "sluice-lws: connection failed: %s", in ? static_cast<const char*>(in) : "?");
            if (status != 0 && status != 101) std::fprintf(stderr, " (HTTP %u)", status);
            std::fputc('\n', stderr);
            if constexpr (sluice::takes_open_refused<Machine>) {
                if (status >= 100 && status <= 999 && status != 101) {
                    wsi_ = nullptr;
                    (void)machine_.on_open_refused(static_cast<std::uint16_t>(status), now());
                    break;
                }
            }
        }
            [[fallthrough]];
        case LWS_CALLBACK_CLIENT_CLOSED: {
            wsi_ = nullptr;
            sluice::close_info info;
            info.code = peer_code_;
            (void)machine_.on_close(info, now());
            break;
        }
        default: return 0;
        }
        pump();
        return 0;
    }

    static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
        (void)user;
        const lws_protocols* p = lws_get_protocol(wsi);
        auto* self = p ? static_cast<lws_driver*>(p->user) : nullptr;
        return self ? self->on_event(wsi, reason, in, len) : 0;
    }

    static void on_timer(lws_sorted_usec_list_t* sul) {
        lws_driver* self = reinterpret_cast<timer_slot*>(sul)->owner;
        self->machine_.handle_timeout(now());
        self->pump();
        // lws runs due timers before it polls: wake that poll, so that run()
        // sees a machine that stopped here even with no socket to wake it.
        lws_cancel_service(self->context_);
    }

    Machine& machine_;
    std::function<void(const entry&)> on_action_;
    lws_protocols protocols_[2];
    lws_context* context_ = nullptr;
    lws* wsi_ = nullptr;
    timer_slot timer_{};
    std::string url_, headers_, host_, path_, rx_, buf_, close_reason_;
    std::deque<std::pair<std::string, sluice::message_type>> outbox_;
    std::uint16_t close_code_ = 0;
    std::optional<std::uint16_t> peer_code_;
};

// ---- the program -------------------------------------------------------------------

template <class T>
void print(const T& line) {
    std::string out;
    if (sluice::json::write(line, out)) return;
    std::puts(out.c_str());
    std::fflush(stdout);
}
sluice::json::raw as_json(std::string_view text) {
    if (text.empty() || sluice::json::validate(text)) return {};
    return {text};
}

struct name_line {
    std::string_view event;
};
struct ready_line {
    std::string_view event = "ready";
    std::string_view session_id;
};
struct dispatch_line {
    std::string_view event = "dispatch";
    std::string_view t;
    std::optional<std::uint64_t> s;
    sluice::json::raw d;
};
struct message_line {
    std::string_view event = "message";
    std::string_view type;
    sluice::json::raw payload;
};
struct notice_line {
    std::string_view event;
    std::optional<bool> resume;
    std::string reason;
    std::optional<std::uint16_t> code;
};

struct args {
    std::string mode, url, token, client_id = "sluice-lws", ca_file;
    double seconds = 0;
};

// After --seconds: close the session (the closed notice ends the program).
struct deadline_slot {
    lws_sorted_usec_list_t sul;
    std::function<void()> fire;
};
void on_deadline(lws_sorted_usec_list_t* sul) { reinterpret_cast<deadline_slot*>(sul)->fire(); }

// Runs `m` until it stops; `close` ends the session cleanly.
template <class Machine, class OnAction>
int run(Machine& m, const args& a, OnAction&& on_action, int& status, bool& done) {
    lws_driver<Machine> d(m, std::forward<OnAction>(on_action), a.ca_file);
    if (!d.ok()) {
        std::fprintf(stderr, "sluice-lws: lws_create_context failed\n");
        return 1;
    }
    (void)m.start(now());
    d.pump();
    deadline_slot stop{{}, [&] {
                           (void)m.close(now());
                           d.pump();
                           lws_cancel_service(d.context()); // see on_timer
                       }};
    if (a.seconds > 0) lws_sul_schedule(d.context(), 0, &stop.sul, on_deadline, static_cast<lws_usec_t>(a.seconds * 1e6));
    d.run([&] { return done; });
    lws_sul_cancel(&stop.sul);
    return status;
}

// What a gateway-engine notice means for the program.
template <class Action>
void notice(const Action& a, int& status, bool& done) {
    using sluice::gateway::next_step;
    const std::optional<std::uint16_t> code = a.close_code ? std::optional<std::uint16_t>(a.close_code) : std::nullopt;
    std::string reason = a.error.message();
    if (a.error == sluice::gateway::errc::connect_failed && a.code != 0) reason += " (HTTP " + std::to_string(a.code) + ")";
    if (a.next == next_step::resume || a.next == next_step::new_session) {
        print(notice_line{"reconnecting", a.next == next_step::resume, reason, code});
    } else if (a.next == next_step::stop) {
        print(notice_line{"closed", std::nullopt, reason, code});
        status = a.error == sluice::gateway::errc::closed_by_user ? 0 : 1;
        if (status) std::fprintf(stderr, "sluice-lws: %s\n", reason.c_str());
        done = true;
    }
}

int run_discord(const args& a, std::mt19937_64& rng) {
    sluice::discord::config cfg;
    cfg.token = a.token;
    cfg.intents = sluice::discord::intents::guilds | sluice::discord::intents::guild_messages;
    cfg.gateway_url = a.url;
    cfg.engine.wait_for_identify_permit = false;
    sluice::discord::client bot(cfg, sluice::entropy(rng));
    if (bot.config_error()) {
        std::fprintf(stderr, "sluice-lws: %s\n", bot.config_error().message().c_str());
        return 2;
    }
    int status = 0;
    bool done = false;
    return run(
        bot, a,
        [&](const sluice::gateway::entry& e) {
            using sluice::gateway::action_kind;
            switch (e.action.kind) {
            case action_kind::ready: print(ready_line{"ready", bot.session_id()}); break;
            case action_kind::resumed: print(name_line{"resumed"}); break;
            case action_kind::dispatch:
                print(dispatch_line{"dispatch", sluice::gateway::name(e), e.action.has_seq ? std::optional<std::uint64_t>(e.action.seq) : std::nullopt,
                                    as_json(sluice::gateway::data(e))});
                break;
            case action_kind::notice: notice(e.action, status, done); break;
            default: break;
            }
        },
        status, done);
}

int run_singyeong(const args& a, std::mt19937_64& rng) {
    namespace sy = sluice::singyeong;
    sy::dsn d;
    if (sy::parse_dsn(a.url, d)) {
        std::fprintf(stderr, "sluice-lws: the URL is a DSN, singyeong://app[:password]@host:port\n");
        return 2;
    }
    sy::client c(sy::config::from_dsn(d, a.client_id), sluice::entropy(rng));
    (void)c.set_metadata("sluice_client", sy::metadata_value::string(a.client_id), now());
    int status = 0;
    bool done = false;
    return run(
        c, a,
        [&](const sy::entry& e) {
            switch (e.action.kind) {
            case sy::action_kind::ready: print(ready_line{"ready", a.client_id}); break;
            case sy::action_kind::message:
                print(message_line{"message", sy::to_string(e.action.dispatch), as_json(sy::payload(e))});
                break;
            case sy::action_kind::notice: notice(e.action, status, done); break;
            default: break;
            }
        },
        status, done);
}

} // namespace

int main(int argc, char** argv) {
    args a;
    std::vector<std::string> pos;
    for (int i = 1; i < argc; ++i) {
        const std::string_view s = argv[i];
        const bool has_value = i + 1 < argc;
        if (s == "--token" && has_value) a.token = argv[++i];
        else if (s == "--client-id" && has_value) a.client_id = argv[++i];
        else if (s == "--ca-file" && has_value) a.ca_file = argv[++i];
        else if (s == "--seconds" && has_value) a.seconds = std::stod(argv[++i]);
        else if (s.starts_with("--")) {
            std::fprintf(stderr, "usage: sluice-lws discord|singyeong URL [--token T] [--client-id ID] [--ca-file PEM] [--seconds N]\n");
            return s == "--help" ? 0 : 2;
        } else pos.emplace_back(s);
    }
    if (pos.size() != 2) {
        std::fprintf(stderr, "usage: sluice-lws discord|singyeong URL [--token T] [--client-id ID] [--ca-file PEM] [--seconds N]\n");
        return 2;
    }
    a.mode = pos[0];
    a.url = pos[1];
    lws_set_log_level(LLL_ERR, nullptr);
    std::mt19937_64 rng{std::random_device{}()};
    if (a.mode == "discord") return run_discord(a, rng);
    if (a.mode == "singyeong") return run_singyeong(a, rng);
    std::fprintf(stderr, "sluice-lws: unknown mode %s\n", a.mode.c_str());
    return 2;
}
