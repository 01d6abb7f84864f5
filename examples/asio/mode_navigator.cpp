// sluice-client navigator: BitJourney Navigator. Its Socket.IO event stream
// in byte mode (ws::session<navigator::client>) over the Asio driver; its HTTP
// API requests (actions of the same machine) performed with http_fetch().
#include <fstream>
#include <set>

#include <sluice/engineio.hpp>
#include <sluice/http/request.hpp>
#include <sluice/navigator.hpp>

#include "modes.hpp"
#include "session_mode.hpp"

namespace example {
namespace {

namespace nav = sluice::navigator;

constexpr std::string_view state_name(nav::job_status s) {
    switch (s) {
    case nav::job_status::queued: return "queued";
    case nav::job_status::model_changed: return "model_changed";
    case nav::job_status::started: return "started";
    case nav::job_status::progress: return "progress";
    case nav::job_status::finished: return "finished";
    case nav::job_status::failed: return "failed";
    case nav::job_status::interrupted: return "interrupted";
    case nav::job_status::timed_out: return "timed_out";
    }
    return "?";
}

struct connected_line {
    std::string_view event = "connected";
    std::string_view sid;
};
struct model_entry {
    std::string_view model_name;
    bool known = false;
};
struct models_line {
    std::string_view event = "models";
    std::vector<model_entry> models;
};
struct job_line {
    std::string_view event = "job";
    std::uint64_t id = 0;
    std::string_view job_id;
    std::string_view state;
    std::optional<int> percent;
    std::optional<std::int64_t> step;
    std::optional<std::int64_t> steps;
    std::optional<std::string_view> image;
    std::optional<std::string> reason;
};
struct image_line {
    std::string_view event = "image";
    std::uint64_t id = 0;
    std::string_view job_id;
    bool ready = false;
    std::optional<std::string> file;
    std::optional<std::size_t> bytes;
    std::optional<std::string> reason;
};
// txt2img as a command: everything optional but the prompt.
struct txt2img_fields {
    std::optional<std::string> model_name, prompt, negative_prompt, owner_id, job_id, sampler_name;
    std::optional<std::uint32_t> width, height, steps;
    std::optional<std::int64_t> seed;
    std::optional<double> cfg_scale;
};
struct navigator_command {
    std::optional<txt2img_fields> txt2img;
    std::optional<bool> models;
    std::optional<bool> close;
};

class navigator_mode final : public session_mode<nav::client> {
public:
    explicit navigator_mode(const options& o) : session_mode(o) {}

private:
    bool start() override {
        nav::config cfg;
        cfg.http_base = opts_.url;
        while (!cfg.http_base.empty() && cfg.http_base.back() == '/') cfg.http_base.pop_back();
        if (!parse_origin(cfg.http_base, api_)) {
            finish(2, "navigator: the URL is the HTTP API, http://host:port");
            return false;
        }
        const std::string socket = opts_.get("socket", "ws://" + api_.host + ":3334");
        cfg.events.engine.url = sluice::engineio::make_url(socket);
        cfg.authorization = opts_.get("authorization");
        if (cfg.validate()) {
            finish(2, "navigator: bad --socket URL");
            return false;
        }
        owner_ = opts_.get("owner", "sluice");
        out_dir_ = opts_.get("out", ".");
        make_session(std::move(cfg));
        start_session();
        return true;
    }

    bool ready() const override { return machine().is_connected(); }
    bool busy() const override { return !open_.empty() || models_pending_; }

    void on_action(const entry_type& e) override {
        const nav::action& a = e.action.inner;
        switch (a.kind) {
        case nav::action_kind::connected: out_.line(connected_line{"connected", a.data}); break;
        case nav::action_kind::disconnected:
            if (disconnected(a)) return;
            break;
        case nav::action_kind::http_request: perform(a.request); break;
        case nav::action_kind::models: {
            models_line l;
            for (const nav::model& m : a.models) l.models.push_back({m.model_name, m.is_known()});
            out_.line(l);
            models_pending_ = false;
            break;
        }
        case nav::action_kind::job: on_job(a); break;
        case nav::action_kind::image: on_image(a, e.bytes); break;
        case nav::action_kind::request_failed:
            out_.line(error_line{"error", a.error.message() + " (HTTP " + std::to_string(a.http_status) + ")", std::nullopt});
            models_pending_ = false;
            break;
        default: break; // transport (the session's), events of other clients
        }
        settle();
    }

    void on_job(const nav::action& a) {
        job_line l;
        l.id = a.job;
        l.job_id = a.job_id;
        l.state = state_name(a.status);
        if (a.task) {
            if (a.task->progress) l.percent = static_cast<int>(*a.task->progress * 100 + 0.5);
            l.step = a.task->current_step;
            l.steps = a.task->total_steps;
            if (a.task->img_path) l.image = *a.task->img_path;
        }
        if (a.error) {
            l.reason = a.error.message();
            if (a.task && a.task->error) {
                const nav::task_error& te = *a.task->error;
                if (te.message) *l.reason += ": " + *te.message;
                else if (te.code) *l.reason += ": " + *te.code;
            }
        }
        out_.line(l);
        // A finished job stays open until its image is written.
        if (nav::is_terminal(a.status) && (a.status != nav::job_status::finished || !machine().settings().fetch_image_on_finish))
            open_.erase(a.job);
    }

    void on_image(const nav::action& a, std::string_view png) {
        image_line l;
        l.id = a.job;
        l.job_id = a.job_id;
        l.ready = a.ready;
        if (a.ready) {
            const std::string path = out_dir_ + "/" + std::string(a.job_id) + ".png";
            std::ofstream f(path, std::ios::binary);
            f.write(png.data(), static_cast<std::streamsize>(png.size()));
            if (f.good()) {
                l.file = path;
                l.bytes = png.size();
            } else {
                l.reason = "cannot write " + path;
            }
        } else if (a.error) {
            l.reason = a.error.message();
        }
        out_.line(l);
        open_.erase(a.job);
    }

    // One HTTP request on its own connection, written with sluice's request
    // writer; the answer goes back to the machine.
    void perform(const nav::http_request& r) {
        std::string http;
        sluice::http::request_writer w(http, r.method, r.target);
        w.header("Host", api_.authority).header_block(r.headers).header("Connection", "close");
        const std::uint64_t id = r.id;
        if (const std::error_code ec = w.finish(r.body)) {
            (void)machine().on_http_failure(id, ec, now());
            return;
        }
        asio::co_spawn(io_, http_fetch(tls_, api_, std::move(http)), [this, id](std::exception_ptr, http_response resp) {
            if (resp.ok()) (void)machine().on_http_response(id, resp.status, resp.body, now());
            else {
                report_connect_error("HTTP " + api_.authority, resp.error ? resp.error : error_code(asio::error::invalid_argument));
                (void)machine().on_http_failure(id, std::make_error_code(std::errc::connection_aborted), now());
            }
            driver_->pump();
        });
    }

    void command(std::string_view line) override {
        run_command<navigator_command>(line, "navigator commands: txt2img, models, close",
                                       [&](const navigator_command& c) -> std::optional<std::error_code> {
                                           if (c.txt2img) return submit(*c.txt2img);
                                           if (!c.models) return std::nullopt;
                                           const std::error_code ec = machine().fetch_models(now());
                                           if (!ec) models_pending_ = true;
                                           return ec;
                                       });
    }

    // A txt2img command: everything optional but the prompt.
    std::error_code submit(const txt2img_fields& f) {
        nav::txt2img_request r;
        r.model_name = f.model_name.value_or("");
        r.prompt = f.prompt.value_or("");
        r.negative_prompt = f.negative_prompt.value_or("");
        r.owner_id = f.owner_id.value_or(owner_);
        r.job_id = f.job_id.value_or("");
        if (f.sampler_name) r.sampler_name = *f.sampler_name;
        if (f.width) r.width = *f.width;
        if (f.height) r.height = *f.height;
        if (f.steps) r.steps = *f.steps;
        if (f.seed) r.seed = *f.seed;
        if (f.cfg_scale) r.cfg_scale = *f.cfg_scale;
        std::uint64_t job = 0;
        if (const std::error_code ec = machine().submit(r, now(), job)) return ec;
        open_.insert(job);
        job_line l;
        l.id = job;
        l.state = "submitted";
        if (const auto info = machine().job(job)) l.job_id = info->job_id;
        out_.line(l);
        return {};
    }

    http_origin api_;
    std::string owner_, out_dir_;
    std::set<std::uint64_t> open_;
    bool models_pending_ = false;
};

} // namespace

void run_navigator(const options& o) { navigator_mode(o).run(); }

} // namespace example
