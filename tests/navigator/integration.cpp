// Integration: navigator::client in byte mode (ws::session) against the
// Navigator-like peer (tests/peers/navigator_peer.js: an HTTP API and a real
// socket.io server), with its HTTP requests performed by sluice::http on
// threads: models, jobs that finish, fail, are interrupted or time out,
// events before the queue answer, other clients' jobs, images, auth.
#include <sluice/navigator/client.hpp>

#include "../socketio/net.hpp"
#include "http_worker.hpp"
#include "support/support.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace nav = sluice::navigator;
using sio_net::now;

namespace {

struct job_log {
    std::vector<nav::job_status> statuses;
    std::vector<double> progress;
    std::string job_id;
    std::error_code end_error;
    std::string fail_code;
    int ends = 0;
    std::string image, preview;
    int not_ready = 0;
};

struct navigator_under_test {
    sluice::xoshiro256 rng{std::random_device{}()};
    std::uint16_t http_port;
    sio_net::driver<nav::client> d;
    nav_test::http_worker http;
    std::map<std::uint64_t, job_log> jobs;
    std::vector<std::string> model_names;
    std::vector<std::string> foreign_job_ids; // job ids seen in events that are not ours
    std::vector<nav::action_kind> kinds;
    std::vector<std::error_code> failures;
    bool connected = false;

    static nav::config make_config(std::uint16_t http_port, std::uint16_t socket_port, std::string auth, bool generate_ids) {
        nav::config cfg = nav::config::local(http_port, socket_port);
        cfg.authorization = std::move(auth);
        cfg.generate_job_ids = generate_ids;
        cfg.job_timeout = 3s;
        cfg.events.engine.reconnect_backoff = {200ms, 1s, 2.0, sluice::jitter_mode::equal, 3};
        return cfg;
    }
    navigator_under_test(std::uint16_t http_port, std::uint16_t socket_port, std::string auth = "secret", bool generate_ids = true)
        : http_port(http_port), d(rng, make_config(http_port, socket_port, std::move(auth), generate_ids), rng), http(http_port) {}

    nav::client& c() { return d.inner(); }

    void on(const sio_net::driver<nav::client>::entry& e) {
        const nav::action& a = e.action.inner;
        kinds.push_back(a.kind);
        switch (a.kind) {
        case nav::action_kind::connected: connected = true; break;
        case nav::action_kind::http_request: http.perform(a.request); break;
        case nav::action_kind::models:
            for (const auto& m : a.models) model_names.push_back(m.model_name);
            break;
        case nav::action_kind::request_failed: failures.push_back(a.error); break;
        case nav::action_kind::job: {
            job_log& j = jobs[a.job];
            j.job_id = std::string(a.job_id);
            j.statuses.push_back(a.status);
            if (a.status == nav::job_status::progress && a.task && a.task->progress) j.progress.push_back(*a.task->progress);
            if (a.task && a.task->job_id != a.job_id) FAIL("a job action carries another job's payload");
            if (nav::is_terminal(a.status)) {
                ++j.ends;
                j.end_error = a.error;
                if (a.task && a.task->error && a.task->error->code) j.fail_code = *a.task->error->code;
            }
            break;
        }
        case nav::action_kind::image: {
            job_log& j = jobs[a.job];
            if (!a.ready) ++j.not_ready;
            else if (a.image == nav::image_kind::final_image) j.image = std::string(e.bytes);
            else j.preview = std::string(e.bytes);
            break;
        }
        case nav::action_kind::event:
            if (a.task) foreign_job_ids.push_back(a.task->job_id);
            break;
        default: break;
        }
    }
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
        return d.run([&](const auto& e) { on(e); }, done, limit, [&] { http.deliver(c(), now()); });
    }
    bool ended(std::uint64_t job) { return jobs.count(job) && jobs[job].ends > 0; }
};

nav::txt2img_request request(std::string prompt, std::string model = "cyberrealisticXL_v31") {
    nav::txt2img_request r;
    r.model_name = std::move(model);
    r.prompt = std::move(prompt);
    r.owner_id = "sluice-test";
    r.steps = 20;
    return r;
}

struct peer {
    sio_net::peer_process p;
    explicit peer(std::vector<std::string> extra = {})
        : p(args(std::move(extra)), "navigator peer") {}
    static std::vector<std::string> args(std::vector<std::string> extra) {
        std::vector<std::string> a{"node", sio_net::source_dir() + "/tests/peers/navigator_peer.js", "--step-ms", "60", "--steps", "4",
                                   "--auth", "secret", "--noise"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    std::uint16_t http() const { return p.ports().at(0); }
    std::uint16_t socket() const { return p.ports().at(1); }
};

} // namespace

TEST_CASE("navigator integration: models, and jobs that finish, fail, are interrupted, time out or are rejected") {
    peer srv;
    REQUIRE(srv.p.ports().size() == 2);
    navigator_under_test t(srv.http(), srv.socket());
    REQUIRE_FALSE(t.c().start(now()));
    REQUIRE(t.run_until([&] { return t.connected; }));

    REQUIRE_FALSE(t.c().fetch_models(now()));
    REQUIRE(t.run_until([&] { return !t.model_names.empty(); }));
    CHECK(t.model_names == std::vector<std::string>{"cyberrealisticXL_v31", "incursiosMemeDiffusion_v27PDXL", "mystery"});

    std::uint64_t ok = 0, fails = 0, interrupted = 0, silent = 0, rejected = 0, other_model = 0;
    REQUIRE_FALSE(t.c().submit(request("Puppies"), now(), ok));
    REQUIRE_FALSE(t.c().submit(request("please fail"), now(), fails));
    REQUIRE_FALSE(t.c().submit(request("interrupt me"), now(), interrupted));
    REQUIRE_FALSE(t.c().submit(request("silent job"), now(), silent));
    REQUIRE_FALSE(t.c().submit(request("reject this"), now(), rejected));
    REQUIRE_FALSE(t.c().submit(request("a meme", "incursiosMemeDiffusion_v27PDXL"), now(), other_model));
    REQUIRE(t.run_until([&] {
        return t.ended(ok) && t.ended(fails) && t.ended(interrupted) && t.ended(silent) && t.ended(rejected) && t.ended(other_model) &&
               !t.jobs[ok].image.empty() && !t.jobs[other_model].image.empty();
    }));

    const job_log& j = t.jobs[ok];
    CHECK(j.ends == 1);
    CHECK(j.statuses.front() == nav::job_status::queued);
    CHECK(j.statuses.back() == nav::job_status::finished);
    CHECK(std::count(j.statuses.begin(), j.statuses.end(), nav::job_status::started) == 1);
    CHECK(j.progress == std::vector<double>{0.25, 0.5, 0.75, 1.0});
    CHECK(j.image.starts_with("\x89PNG\r\n\x1a\n"));
    CHECK(j.image.ends_with("images:" + j.job_id));
    CHECK(j.job_id.size() == 16);
    CHECK_FALSE(j.end_error);

    CHECK(t.jobs[other_model].ends == 1);
    CHECK(std::count(t.jobs[other_model].statuses.begin(), t.jobs[other_model].statuses.end(), nav::job_status::model_changed) >= 1);

    CHECK(t.jobs[fails].ends == 1);
    CHECK(t.jobs[fails].statuses.back() == nav::job_status::failed);
    CHECK(t.jobs[fails].end_error == nav::errc::task_failed);
    CHECK(t.jobs[fails].fail_code == "ECONNREFUSED");

    CHECK(t.jobs[interrupted].statuses.back() == nav::job_status::interrupted);
    CHECK(t.jobs[interrupted].end_error == nav::errc::task_interrupted);

    CHECK(t.jobs[silent].statuses.back() == nav::job_status::timed_out);
    CHECK(t.jobs[silent].end_error == nav::errc::job_timeout);

    CHECK(t.jobs[rejected].statuses == std::vector<nav::job_status>{nav::job_status::failed});
    CHECK(t.jobs[rejected].end_error == nav::errc::submit_rejected);

    // Other clients' jobs ran alongside (--noise) and never showed up as ours.
    CHECK(t.jobs.size() == 6);
    CHECK(srv.p.wait_report({R"("event":"emit")", R"("job_id":"other-)"}));

    // A preview of a finished job, and an image that is not there.
    REQUIRE_FALSE(t.c().fetch_preview(ok, now()));
    REQUIRE_FALSE(t.c().fetch_image(silent, now()));
    REQUIRE(t.run_until([&] { return !t.jobs[ok].preview.empty() && t.jobs[silent].not_ready == 1; }));
    CHECK(t.jobs[ok].preview.ends_with("previews:" + t.jobs[ok].job_id));
    CHECK(t.c().pending_requests() == 0);
    CHECK(srv.p.wait_report({R"("event":"http")", R"("authorization":"secret")"}));
}

TEST_CASE("navigator integration: events before the queue answer (server-chosen job ids)") {
    peer srv;
    navigator_under_test t(srv.http(), srv.socket(), "secret", /*generate_ids=*/false);
    REQUIRE_FALSE(t.c().start(now()));
    REQUIRE(t.run_until([&] { return t.connected; }));
    std::uint64_t job = 0;
    REQUIRE_FALSE(t.c().submit(request("early puppies"), now(), job)); // the peer answers after task-started and a progress
    REQUIRE(t.run_until([&] { return t.ended(job) && !t.jobs[job].image.empty(); }));
    const job_log& j = t.jobs[job];
    REQUIRE(j.statuses.size() >= 7);
    CHECK(j.statuses[0] == nav::job_status::queued);
    CHECK(j.statuses[1] == nav::job_status::started);
    CHECK(j.statuses[2] == nav::job_status::progress);
    CHECK(j.statuses.back() == nav::job_status::finished);
    CHECK(j.progress == std::vector<double>{0.25, 0.5, 0.75, 1.0});
    CHECK(j.job_id.size() == 8); // chosen by the server
    CHECK(j.ends == 1);
}

TEST_CASE("navigator integration: a wrong Authorization is refused on both ports") {
    peer srv;
    navigator_under_test t(srv.http(), srv.socket(), "wrong");
    REQUIRE_FALSE(t.c().fetch_models(now()));
    REQUIRE_FALSE(t.c().start(now()));
    REQUIRE(t.run_until([&] { return !t.failures.empty(); }));
    CHECK(t.failures[0] == nav::errc::unauthorized);
    // The socket.io server refuses the upgrade: the stream never connects, and gives up after its attempts.
    REQUIRE(t.run_until([&] { return t.c().events().engine().current_state() == sluice::engineio::state::closed; }, 15s));
    CHECK_FALSE(t.connected);
}
