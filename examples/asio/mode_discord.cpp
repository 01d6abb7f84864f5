// sluice-client discord and midjourney: the Discord gateway client in byte
// mode (ws::session<discord::zlib_stream<discord::client>>, or zstd_stream
// with --compress zstd-stream) over the Asio driver; for midjourney, the job
// tracker on top, its REST requests performed with http_fetch(). The
// zlib_stream wrapper passes text messages through; with --compress
// zlib-stream the URL asks for Discord's transport compression and it
// inflates the binary messages; likewise zstd_stream with --compress zstd-stream.
#include <charconv>
#include <random>
#include <set>

#include <sluice/discord.hpp>
#include <sluice/discord/zlib_stream.hpp>
#include <sluice/discord/zstd_stream.hpp>
#include <sluice/midjourney.hpp>
#include <sluice/ws/session.hpp>

#include "modes.hpp"
#include "tool.hpp"

namespace example {
namespace {

namespace discord = sluice::discord;
namespace gateway = sluice::gateway;
namespace mj = sluice::midjourney;

// ---- what goes to stdout ----------------------------------------------------
struct ready_line {
    std::string_view event = "ready";
    std::string_view session_id;
    std::optional<sluice::json::raw> user;
};
struct resumed_line {
    std::string_view event = "resumed";
    std::optional<std::uint64_t> s;
};
struct dispatch_line {
    std::string_view event = "dispatch";
    std::string_view t;
    std::optional<std::uint64_t> s;
    sluice::json::raw d;
};
struct mj_ready_line {
    std::string_view event = "midjourney_ready";
    std::string imagine;
};
struct job_line {
    std::string_view event = "job";
    std::string id;
    std::string_view kind;
    std::string_view state;
    std::optional<std::string_view> prompt;
    std::optional<unsigned> percent;
    std::optional<std::string_view> url;
    std::optional<std::string_view> hash;
    std::optional<std::vector<std::string_view>> buttons;
    std::optional<std::string> reason;
};

// ---- what comes from stdin ----------------------------------------------------
struct discord_command {
    std::optional<sluice::json::raw> send;
    std::optional<std::uint16_t> close;
    // midjourney
    std::optional<std::string> imagine;
    std::optional<int> upscale;
    std::optional<int> variation;
    std::optional<bool> reroll;
    std::optional<sluice::json::raw> job;
};

std::string why(const sluice::gateway::action& a) {
    std::string s = a.error.message();
    if (a.close_code != 0) {
        s += " (" + std::to_string(a.close_code);
        if (const std::error_code c = discord::close_code_error(a.close_code)) s += ": " + c.message();
        s += ")";
    }
    return s;
}

// Compressed: discord::zlib_stream (also for --compress none: it passes text
// through) or discord::zstd_stream.
template <template <class> class Compressed>
class discord_mode final : public mode {
public:
    explicit discord_mode(const options& o) : mode(o) {}

private:
    using session_type = sluice::ws::session<Compressed<discord::client>>;
    bool midjourney() const { return opts_.mode == "midjourney"; }
    discord::client& bot() { return session_->inner().inner(); }
    const discord::client& bot() const { return session_->inner().inner(); }

    // ---- configuration
    bool configure() {
        token_ = opts_.get("token");
        if (token_.empty()) return fail_config("--token is required");
        cfg_.token = token_;
        const std::uint64_t default_intents =
            discord::intents::guilds | discord::intents::guild_messages | (midjourney() ? discord::intents::message_content : 0);
        cfg_.intents = std::stoull(opts_.get("intents", std::to_string(default_intents)));
        if (opts_.has("shard")) {
            const std::string s = opts_.get("shard");
            const auto slash = s.find('/');
            if (slash == std::string::npos) return fail_config("--shard is ID/COUNT");
            cfg_.shard = std::array<std::uint32_t, 2>{static_cast<std::uint32_t>(std::stoul(s.substr(0, slash))),
                                                      static_cast<std::uint32_t>(std::stoul(s.substr(slash + 1)))};
        }
        cfg_.gateway_url = opts_.url;
        const std::string compress = opts_.get("compress", "none");
        if (compress == "zlib-stream") cfg_.compress = discord::transport_compression::zlib_stream;
        else if (compress == "zstd-stream") cfg_.compress = discord::transport_compression::zstd_stream;
        else if (compress != "none") return fail_config("--compress is zlib-stream, zstd-stream or none");
        cfg_.engine.wait_for_identify_permit = false; // one shard: nobody to share identifies with
        if (!midjourney()) return true;

        if (!parse_origin(opts_.get("rest", "https://discord.com"), rest_)) return fail_config("--rest is http(s)://host[:port]");
        mj_cfg_.rest.authorization = token_; // a user token goes as it is (bots cannot run other bots' commands)
        mj_cfg_.rest.host = rest_.authority;
        if (!opts_.has("channel")) return fail_config("--channel is required");
        if (from_chars(opts_.get("channel"), mj_cfg_.channel_id)) return fail_config("--channel is a snowflake");
        if (opts_.has("guild")) {
            sluice::snowflake g;
            if (from_chars(opts_.get("guild"), g)) return fail_config("--guild is a snowflake");
            mj_cfg_.guild_id = g;
        }
        if (opts_.has("application") && from_chars(opts_.get("application"), mj_cfg_.application_id))
            return fail_config("--application is a snowflake");
        mj_cfg_.job_timeout = std::chrono::seconds(std::stoi(opts_.get("job-timeout", "600")));
        tracker_.emplace(mj_cfg_);
        return true;
    }
    bool fail_config(std::string_view what) {
        finish(2, std::string(opts_.mode) + ": " + std::string(what));
        return false;
    }

    bool start() override {
        try {
            if (!configure()) return false;
        } catch (const std::exception&) { // std::stoul and friends
            return fail_config("a numeric option is not a number");
        }
        session_.emplace(sluice::entropy(rng_), sluice::ws::client_options{}, cfg_, sluice::entropy(rng_));
        if (const std::error_code ec = bot().config_error()) return fail_config(ec.message());
        auto h = hooks_for<session_type>([this](const session_type::entry& e) { on_action(e); });
        if (tracker_) {
            h.next_deadline = [this] { return tracker_->next_deadline(); };
            h.handle_timeout = [this](sluice::instant t) {
                tracker_->handle_timeout(t);
                drain_tracker();
            };
        }
        driver_.emplace(io_.get_executor(), tls_, *session_, std::move(h));
        (void)bot().start(now());
        if (tracker_) {
            (void)tracker_->start(now()); // fetches the application commands
            drain_tracker();
        }
        driver_->pump();
        return true;
    }

    bool ready() const override { return bot().is_ready() && (!tracker_ || tracker_->is_ready()); }
    bool busy() const override { return !running_.empty(); }

    void close() override {
        (void)bot().close(now());
        driver_->pump();
    }

    // ---- the gateway's actions
    void on_action(const typename session_type::entry& e) {
        const gateway::action& a = e.action.inner;
        const gateway::entry ge{a, e.bytes};
        switch (a.kind) {
        case gateway::action_kind::identify_wanted: (void)bot().grant_identify(now()); break;
        case gateway::action_kind::ready: {
            discord::ready r;
            std::optional<sluice::json::raw> user;
            if (!discord::decode(a, e.bytes, r) && r.user.username) user = *r.user.username;
            out_.line(ready_line{"ready", bot().session_id(), user});
            break;
        }
        case gateway::action_kind::resumed:
            out_.line(resumed_line{"resumed", a.has_seq ? std::optional<std::uint64_t>(a.seq) : std::nullopt});
            break;
        case gateway::action_kind::dispatch:
            if (!midjourney() || opts_.has("dispatches"))
                out_.line(dispatch_line{"dispatch", gateway::name(ge), a.has_seq ? std::optional<std::uint64_t>(a.seq) : std::nullopt,
                                        as_json(gateway::data(ge))});
            break;
        case gateway::action_kind::notice: on_notice(a); return;
        default: break;
        }
        if (tracker_) {
            tracker_->on_gateway(a, e.bytes, now()); // READY and MESSAGE_* drive the jobs
            drain_tracker();
        }
        settle();
    }

    void on_notice(const gateway::action& a) { gateway_notice(a, *driver_, why(a)); }

    // ---- the tracker's actions
    void drain_tracker() {
        while (const mj::entry* e = tracker_->poll()) {
            const mj::action& a = e->action;
            switch (a.kind) {
            case mj::action_kind::http_request: perform(a.request, std::string(e->bytes)); break;
            case mj::action_kind::ready: out_.line(mj_ready_line{"midjourney_ready", std::to_string(tracker_->imagine_command().value())}); break;
            case mj::action_kind::queued: job_event(a, "queued"); break;
            case mj::action_kind::started: {
                job_line l = job_of(a, "started");
                l.prompt = e->bytes;
                out_.line(l);
                break;
            }
            case mj::action_kind::progress: {
                job_line l = job_of(a, "progress");
                l.percent = a.percent;
                out_.line(l);
                break;
            }
            case mj::action_kind::finished: {
                job_line l = job_of(a, "finished");
                std::vector<std::string_view> buttons;
                if (const mj::job* j = tracker_->find(a.job)) {
                    l.url = j->image_url;
                    l.hash = j->hash;
                    for (const std::string& b : j->buttons()) buttons.push_back(b);
                    l.buttons = std::move(buttons);
                }
                out_.line(l);
                running_.erase(a.job);
                break;
            }
            case mj::action_kind::failed: {
                if (a.job == 0) { // not a job: the commands could not be fetched
                    driver_->stop();
                    finish(1, "midjourney: " + a.error.message() + ": " + std::string(e->bytes));
                    return;
                }
                job_line l = job_of(a, a.error == mj::errc::timed_out ? "timed_out" : "failed");
                l.reason = a.error.message();
                if (!e->bytes.empty()) *l.reason += ": " + std::string(e->bytes);
                out_.line(l);
                running_.erase(a.job);
                break;
            }
            }
        }
        driver_->pump(); // the tracker's deadline may have moved
        settle();
    }

    job_line job_of(const mj::action& a, std::string_view state) const {
        job_line l;
        l.id = std::to_string(a.job);
        l.kind = mj::to_string(a.type);
        l.state = state;
        return l;
    }
    void job_event(const mj::action& a, std::string_view state) { out_.line(job_of(a, state)); }

    // One REST request on its own connection; the answer goes back to the tracker.
    void perform(std::uint64_t request, std::string http) {
        asio::co_spawn(io_, http_fetch(tls_, rest_, std::move(http)), [this, request](std::exception_ptr, http_response r) {
            if (r.ok()) {
                std::vector<sluice::http::field> headers;
                for (const auto& [n, v] : r.headers) headers.push_back({n, v});
                (void)tracker_->on_response(request, static_cast<std::uint16_t>(r.status), headers, r.body, now());
            } else {
                report_connect_error("REST " + rest_.authority, r.error ? r.error : error_code(asio::error::invalid_argument));
                (void)tracker_->on_failure(request, now());
            }
            drain_tracker();
        });
    }

    // ---- commands
    void command(std::string_view line) override {
        discord_command c;
        if (!read_command(line, c, out_)) return;
        const sluice::instant t = now();
        if (c.send) {
            if (const std::error_code ec = bot().send(c.send->text, t)) command_error(ec.message(), line);
        } else if (c.close) {
            const auto how = *c.close == 1000 || *c.close == 1001 ? gateway::close_mode::end_session : gateway::close_mode::keep_session;
            closing_ = true;
            (void)bot().close(t, how);
        } else if (tracker_ && c.imagine) {
            std::uint64_t id = 0;
            if (const std::error_code ec = tracker_->imagine(*c.imagine, unix_ms(), t, id)) command_error(ec.message(), line);
            else submitted(id, "imagine");
        } else if (tracker_ && c.job && (c.upscale || c.variation || c.reroll)) {
            std::uint64_t grid = 0, id = 0;
            const std::string job = text_of(*c.job);
            if (std::from_chars(job.data(), job.data() + job.size(), grid).ec != std::errc{}) {
                command_error("job is a job id", line);
                return;
            }
            std::error_code ec;
            if (c.upscale) ec = tracker_->upscale(grid, *c.upscale, unix_ms(), t, id);
            else if (c.variation) ec = tracker_->variation(grid, *c.variation, unix_ms(), t, id);
            else ec = tracker_->reroll(grid, unix_ms(), t, id);
            if (ec) command_error(ec.message(), line);
            else submitted(id, c.upscale ? "upscale" : c.variation ? "variation" : "reroll");
        } else {
            command_error(tracker_ ? "midjourney commands: imagine, upscale/variation/reroll with job, send, close"
                                   : "discord commands: send, close",
                          line);
        }
        if (tracker_) drain_tracker();
        driver_->pump();
    }
    void submitted(std::uint64_t id, std::string_view kind) {
        running_.insert(id);
        job_line l;
        l.id = std::to_string(id);
        l.kind = kind;
        l.state = "submitted";
        out_.line(l);
    }

    std::mt19937_64 rng_{std::random_device{}()};
    std::string token_;
    discord::config cfg_;
    mj::config mj_cfg_;
    http_origin rest_;
    std::optional<session_type> session_;
    std::optional<mj::tracker> tracker_;
    std::optional<driver<session_type>> driver_;
    std::set<std::uint64_t> running_;
};

} // namespace

void run_discord(const options& o) {
    if (o.get("compress", "none") == "zstd-stream") discord_mode<discord::zstd_stream>(o).run();
    discord_mode<discord::zlib_stream>(o).run();
}

} // namespace example
