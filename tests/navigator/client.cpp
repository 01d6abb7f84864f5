// The Navigator client machine in message mode: REST as actions, typed job
// events, the tracker's exactly-once endings, events before the queue
// answer, foreign jobs, images, timeouts, misuse and the allocation proof.
#include <sluice/navigator/client.hpp>

#include "support/support.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace nav = sluice::navigator;
using namespace std::chrono_literals;
using sluice::instant;
using sluice::message_type;
using sluice::transport_op;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "rest of a png";

struct rec {
    nav::action_kind kind;
    transport_op op;
    std::string bytes;
    std::uint64_t job;
    std::string job_id;
    nav::job_status status;
    bool has_task, has_queued;
    std::string task_job_id;
    std::optional<double> progress;
    std::optional<std::string> img_path, error_code;
    std::optional<bool> fatal;
    std::string queued_job_id;
    std::vector<std::string> model_names;
    nav::http_request req;
    std::string method, url, target, headers, body;
    nav::image_kind image;
    bool ready;
    nav::event_name event;
    std::string name, data;
    unsigned http_status;
    std::error_code error, detail_error;
    instant retry_at;
};

std::vector<rec> drain(nav::client& c) {
    std::vector<rec> out;
    while (const auto* e = c.poll()) {
        const auto& a = e->action;
        rec r{};
        r.kind = a.kind;
        r.op = a.op;
        r.bytes = std::string(e->bytes);
        r.job = a.job;
        r.job_id = std::string(a.job_id);
        r.status = a.status;
        r.has_task = a.task != nullptr;
        r.has_queued = a.queued != nullptr;
        if (a.task) {
            r.task_job_id = a.task->job_id;
            r.progress = a.task->progress;
            r.img_path = a.task->img_path;
            if (a.task->error) {
                r.error_code = a.task->error->code;
                r.fatal = a.task->error->fatal;
            }
        }
        if (a.queued) r.queued_job_id = a.queued->job_id;
        for (const auto& m : a.models) r.model_names.push_back(m.model_name);
        r.req = a.request;
        r.method = std::string(a.request.method);
        r.url = std::string(a.request.url);
        r.target = std::string(a.request.target);
        r.headers = std::string(a.request.headers);
        r.body = std::string(a.request.body);
        r.image = a.image;
        r.ready = a.ready;
        r.event = a.event;
        r.name = std::string(a.name);
        r.data = std::string(a.data);
        r.http_status = a.http_status;
        r.error = a.error;
        r.detail_error = a.detail_error;
        r.retry_at = a.retry_at;
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<const rec*> of(const std::vector<rec>& rs, nav::action_kind k) {
    std::vector<const rec*> out;
    for (const auto& r : rs)
        if (r.kind == k && r.op == transport_op::none) out.push_back(&r);
    return out;
}

nav::config test_config() {
    nav::config cfg = nav::config::local(3333, 3334);
    cfg.authorization = "secret-token";
    cfg.events.engine.reconnect_backoff = {1s, 4s, 2.0, sluice::jitter_mode::none, 0};
    cfg.job_timeout = 60s;
    cfg.http_timeout = 5s;
    return cfg;
}

std::string task_json(std::string_view job_id, std::string_view extra = {}) {
    std::string s = R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":")";
    s += job_id;
    s += R"(","width":512,"height":512,"steps":50,"seed":-1,"task_type":"txt2img")";
    if (!extra.empty()) {
        s += ',';
        s += extra;
    }
    s += '}';
    return s;
}
std::string progress_json(std::string_view job_id, double p) {
    return task_json(job_id, R"("status":"processing","progress":)" + std::to_string(p) +
                                 R"(,"eta_relative":9.8,"current_step":9,"total_steps":50,"progress_path":"/api/previews/)" +
                                 std::string(job_id) + "\"");
}

const nav::txt2img_request puppies{.model_name = "cyberrealisticXL_v31", .prompt = "Puppies", .owner_id = "Russ"};

// A client whose event stream is connected at t = 0.
struct fixture {
    sluice::xoshiro256 rng{5};
    nav::client c;
    std::vector<rec> setup;
    explicit fixture(const nav::config& cfg = test_config()) : c(cfg, rng) {
        REQUIRE_FALSE(c.start(at_ms(0)));
        c.on_open(at_ms(0));
        c.on_message(R"(0{"sid":"E","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", message_type::text,
                     at_ms(0));
        c.on_message(R"(40{"sid":"S"})", message_type::text, at_ms(0));
        c.on_message(R"(42["connected",{"message":"Connected to Navigator"}])", message_type::text, at_ms(0));
        setup = drain(c);
        REQUIRE(c.is_connected());
    }
    std::vector<rec> event(std::string_view name, std::string_view json, std::int64_t t = 10) {
        c.on_message("42[\"" + std::string(name) + "\"," + std::string(json) + "]", message_type::text, at_ms(t));
        return drain(c);
    }
    // submit() and the HTTP answer; returns the job handle and its id.
    std::uint64_t submit_queued(std::string& job_id, std::int64_t t = 5) {
        std::uint64_t job = 0;
        REQUIRE_FALSE(c.submit(puppies, at_ms(t), job));
        auto a = drain(c);
        REQUIRE(a.size() == 1);
        const rec& r = a[0];
        REQUIRE(r.kind == nav::action_kind::http_request);
        job_id = c.job(job)->job_id;
        REQUIRE_FALSE(c.on_http_response(r.req.id, 200, R"({"job_id":")" + job_id + R"(","status":"queued","queue_size":1})", at_ms(t)));
        a = drain(c);
        REQUIRE(a.size() == 1);
        REQUIRE(a[0].status == nav::job_status::queued);
        return job;
    }
};

} // namespace

TEST_CASE("navigator client: the event stream connects, with the Authorization header") {
    fixture f;
    const auto& a = f.setup;
    REQUIRE(a.size() >= 4);
    CHECK(a[0].op == transport_op::open);
    const auto req = sluice::open_request::parse(a[0].bytes);
    CHECK(req.url == "ws://127.0.0.1:3334/socket.io/?EIO=4&transport=websocket");
    CHECK(req.header_block == "Authorization: secret-token\r\n");
    CHECK(a[1].op == transport_op::send);
    CHECK(a[1].bytes == "40"); // joins "/"
    const auto conn = of(a, nav::action_kind::connected);
    REQUIRE(conn.size() == 1);
    CHECK(conn[0]->data == "S");
    const auto ev = of(a, nav::action_kind::event); // the real server's "connected" event
    REQUIRE(ev.size() == 1);
    CHECK(ev[0]->event == nav::event_name::connected);
    CHECK(ev[0]->data == R"({"message":"Connected to Navigator"})");
}

TEST_CASE("navigator client: GET /api/models as an action, typed answer") {
    fixture f;
    REQUIRE_FALSE(f.c.fetch_models(at_ms(1)));
    auto a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::http_request);
    CHECK(a[0].method == "GET");
    CHECK(a[0].url == "http://127.0.0.1:3333/api/models");
    CHECK(a[0].target == "/api/models");
    CHECK(a[0].headers == "Accept: application/json\r\nAuthorization: secret-token\r\n");
    CHECK(a[0].body.empty());
    REQUIRE_FALSE(f.c.on_http_response(a[0].req.id, 200,
                                       R"({"models":[{"model_name":"a","known":true,"friendly_name":"A"},{"model_name":"b"}]})", at_ms(2)));
    CHECK(f.c.on_http_response(a[0].req.id, 200, "{}", at_ms(2)) == nav::errc::unknown_request); // answered once
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::models);
    CHECK(a[0].model_names == std::vector<std::string>{"a", "b"});
    // A failure: 401, then a malformed body.
    REQUIRE_FALSE(f.c.fetch_models(at_ms(3)));
    auto id = drain(f.c)[0].req.id;
    REQUIRE_FALSE(f.c.on_http_response(id, 401, R"({"error":"unauthorized"})", at_ms(3)));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::request_failed);
    CHECK(a[0].error == nav::errc::unauthorized);
    CHECK(a[0].http_status == 401);
    REQUIRE_FALSE(f.c.fetch_models(at_ms(4)));
    id = drain(f.c)[0].req.id;
    REQUIRE_FALSE(f.c.on_http_response(id, 200, "<html>", at_ms(4)));
    CHECK(drain(f.c).at(0).error == nav::errc::bad_response);
}

TEST_CASE("navigator client: a job from submit to image") {
    fixture f;
    std::uint64_t job = 0;
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(5), job));
    auto a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].method == "POST");
    CHECK(a[0].url == "http://127.0.0.1:3333/api/queue/txt2img");
    CHECK(a[0].headers == "Accept: application/json\r\nContent-Type: application/json\r\nAuthorization: secret-token\r\n");
    const std::string job_id = std::string(f.c.job(job)->job_id);
    CHECK(job_id.size() == 16); // generated by the client
    CHECK(a[0].body == R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":")" + job_id +
                           R"(","width":512,"height":512,"steps":50,"seed":-1,"cfg_scale":7,"sampler_name":"k_dpmpp_2m",)"
                           R"("denoising_strength":0,"force_hr_fix":false})");
    CHECK(f.c.job(job)->state == nav::job_state::submitting);

    REQUIRE_FALSE(f.c.on_http_response(a[0].req.id, 200, R"({"job_id":")" + job_id + R"(","status":"queued","queue_size":1})", at_ms(6)));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::job);
    CHECK(a[0].job == job);
    CHECK(a[0].job_id == job_id);
    CHECK(a[0].status == nav::job_status::queued);
    CHECK(a[0].queued_job_id == job_id);

    a = f.event("model-changed", R"({"model_name":"cyberrealisticXL_v31","job_id":")" + job_id + "\"}");
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::model_changed);
    CHECK(f.c.job(job)->state == nav::job_state::queued);
    a = f.event("task-started", task_json(job_id, R"("status":"started","queue_size":1)"));
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::started);
    CHECK(a[0].task_job_id == job_id);
    a = f.event("task-progress", progress_json(job_id, 0.19));
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::progress);
    CHECK(a[0].progress == doctest::Approx(0.19));

    REQUIRE_FALSE(f.c.fetch_preview(job, at_ms(11)));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].target == "/api/previews/" + job_id);
    CHECK(a[0].headers == "Accept: image/png\r\nAuthorization: secret-token\r\n");
    REQUIRE_FALSE(f.c.on_http_response(a[0].req.id, 200, png, at_ms(12)));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::image);
    CHECK(a[0].image == nav::image_kind::preview);
    CHECK(a[0].ready);
    CHECK(a[0].bytes == png);

    a = f.event("task-finished", task_json(job_id, R"("status":"finished","img_path":"/api/images/)" + job_id + "\""));
    REQUIRE(a.size() == 2);
    CHECK(a[0].status == nav::job_status::finished);
    CHECK_FALSE(a[0].error);
    CHECK(a[0].img_path == "/api/images/" + job_id);
    CHECK(a[1].kind == nav::action_kind::http_request); // fetch_image_on_finish
    CHECK(a[1].target == "/api/images/" + job_id);
    CHECK(f.c.job(job)->state == nav::job_state::finished);
    REQUIRE_FALSE(f.c.on_http_response(a[1].req.id, 200, png, at_ms(20)));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].image == nav::image_kind::final_image);
    CHECK(a[0].ready);
    CHECK(a[0].job == job);
    CHECK(a[0].bytes == png);

    // After the end: nothing more for this job.
    CHECK(f.event("task-progress", progress_json(job_id, 0.9)).empty());
    CHECK(f.event("task-failed", task_json(job_id, R"("error":{"code":"X","fatal":true})")).empty());
}

TEST_CASE("navigator client: other clients' jobs are ignored (or reported when asked)") {
    fixture f;
    std::string job_id;
    f.submit_queued(job_id);
    CHECK(f.event("task-started", task_json("someone-elses")).empty());
    CHECK(f.event("task-finished", task_json("someone-elses")).empty());
    CHECK(f.c.job(1)->state == nav::job_state::queued);

    auto cfg = test_config();
    cfg.report_foreign_events = true;
    fixture g(cfg);
    auto a = g.event("task-progress", progress_json("someone-elses", 0.5));
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::event);
    CHECK(a[0].event == nav::event_name::task_progress);
    CHECK(a[0].name == "task-progress");
    CHECK(a[0].has_task);
    CHECK(a[0].progress == doctest::Approx(0.5));
}

TEST_CASE("navigator client: events before the queue answer are held and replayed in order") {
    auto cfg = test_config();
    cfg.generate_job_ids = false; // the server picks the id: it is unknown until the answer
    fixture f(cfg);
    std::uint64_t job = 0;
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(5), job));
    auto a = drain(f.c);
    const auto req = a.at(0).req.id;
    CHECK(a[0].body.find("job_id") == std::string::npos);
    CHECK(f.c.fetch_image(job, at_ms(5)) == nav::errc::job_not_ready);
    CHECK(f.event("task-started", task_json("59feab77", R"("status":"started")")).empty());
    CHECK(f.event("task-progress", task_json("other", R"("progress":0.1)")).empty());
    CHECK(f.event("task-progress", progress_json("59feab77", 0.25)).empty());
    REQUIRE_FALSE(f.c.on_http_response(req, 200, R"({"job_id":"59feab77","status":"queued"})", at_ms(20)));
    a = drain(f.c);
    REQUIRE(a.size() == 3);
    CHECK(a[0].status == nav::job_status::queued);
    CHECK(a[1].status == nav::job_status::started);
    CHECK(a[2].status == nav::job_status::progress);
    CHECK(a[2].progress == doctest::Approx(0.25));
    CHECK(a[2].job_id == "59feab77");
    CHECK(f.c.job(job)->state == nav::job_state::started);
    // A job that finished before its answer arrived ends once, and is not "queued" after.
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(30), job));
    const auto req2 = drain(f.c).at(0).req.id;
    CHECK(f.event("task-finished", task_json("fast", R"("img_path":"/api/images/fast")")).empty());
    REQUIRE_FALSE(f.c.on_http_response(req2, 200, R"({"job_id":"fast"})", at_ms(40)));
    a = drain(f.c);
    REQUIRE(a.size() == 3);
    CHECK(a[0].status == nav::job_status::queued);
    CHECK(a[1].status == nav::job_status::finished);
    CHECK(a[2].kind == nav::action_kind::http_request);
}

TEST_CASE("navigator client: failed, interrupted, timed out: each job ends exactly once") {
    fixture f;
    std::string id1, id2, id3;
    const auto j1 = f.submit_queued(id1);
    const auto j2 = f.submit_queued(id2);
    const auto j3 = f.submit_queued(id3);
    auto a = f.event("task-failed", task_json(id1, R"("status":"failed","error":{"code":"ECONNREFUSED","fatal":true})"));
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::failed);
    CHECK(a[0].error == nav::errc::task_failed);
    CHECK(a[0].error_code == "ECONNREFUSED");
    CHECK(a[0].fatal == true);
    CHECK(f.event("task-finished", task_json(id1)).empty());
    a = f.event("task-interrupted", task_json(id2, R"("status":"interrupted")"));
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::interrupted);
    CHECK(a[0].error == nav::errc::task_interrupted);
    // j3 never ends: the job deadline (60 s after submit at t = 5 ms).
    f.c.on_message("2", message_type::text, at_ms(40'000)); // the server's ping keeps the stream alive
    drain(f.c);
    CHECK(f.c.next_deadline() == at_ms(60'005));
    f.c.handle_timeout(at_ms(60'004));
    CHECK(drain(f.c).empty());
    f.c.handle_timeout(at_ms(60'005));
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].job == j3);
    CHECK(a[0].status == nav::job_status::timed_out);
    CHECK(a[0].error == nav::errc::job_timeout);
    CHECK(a[0].error == sluice::condition::timeout);
    f.c.handle_timeout(at_ms(60'005));
    CHECK(drain(f.c).empty());
    CHECK(f.event("task-finished", task_json(id3), 60'010).empty());
    CHECK(f.c.jobs().active() == 0);
    (void)j1;
    (void)j2;
}

TEST_CASE("navigator client: rejected and failed HTTP requests end the job") {
    fixture f;
    std::uint64_t job = 0;
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(1), job));
    auto id = drain(f.c).at(0).req.id;
    REQUIRE_FALSE(f.c.on_http_response(id, 400, R"({"error":"rejected"})", at_ms(2)));
    auto a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::failed);
    CHECK(a[0].error == nav::errc::submit_rejected);
    CHECK(a[0].http_status == 400);
    CHECK(a[0].data == R"({"error":"rejected"})");

    REQUIRE_FALSE(f.c.submit(puppies, at_ms(3), job));
    id = drain(f.c).at(0).req.id;
    REQUIRE_FALSE(f.c.on_http_failure(id, std::make_error_code(std::errc::connection_refused), at_ms(4)));
    CHECK(drain(f.c).at(0).error == nav::errc::request_failed);
    CHECK(f.c.on_http_failure(id, {}, at_ms(4)) == nav::errc::unknown_request);

    REQUIRE_FALSE(f.c.submit(puppies, at_ms(10), job));
    id = drain(f.c).at(0).req.id;
    f.c.handle_timeout(at_ms(5'010)); // http_timeout 5 s
    a = drain(f.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::failed);
    CHECK(a[0].error == nav::errc::request_timeout);
    CHECK(f.c.on_http_response(id, 200, "{}", at_ms(5'020)) == nav::errc::unknown_request);
    CHECK(f.c.pending_requests() == 0);
}

TEST_CASE("navigator client: images not ready (404), not PNG, unauthorized") {
    fixture f;
    std::string job_id;
    const auto job = f.submit_queued(job_id);
    REQUIRE_FALSE(f.c.fetch_image(job, at_ms(6)));
    REQUIRE_FALSE(f.c.fetch_preview(job, at_ms(6)));
    REQUIRE_FALSE(f.c.fetch_image(job, at_ms(6)));
    auto a = drain(f.c);
    REQUIRE(a.size() == 3);
    REQUIRE_FALSE(f.c.on_http_response(a[0].req.id, 404, R"({"error":"not found"})", at_ms(7)));
    REQUIRE_FALSE(f.c.on_http_response(a[1].req.id, 200, "{\"not\":\"png\"}", at_ms(7)));
    REQUIRE_FALSE(f.c.on_http_response(a[2].req.id, 403, "", at_ms(7)));
    a = drain(f.c);
    REQUIRE(a.size() == 3);
    CHECK((a[0].kind == nav::action_kind::image && !a[0].ready && !a[0].error && a[0].http_status == 404));
    CHECK(a[0].job_id == job_id);
    CHECK((a[1].image == nav::image_kind::preview && !a[1].ready && a[1].error == nav::errc::not_png));
    CHECK(a[2].error == nav::errc::unauthorized);
}

TEST_CASE("navigator client: the event stream lost for good fails unfinished jobs") {
    fixture f;
    std::string id1, id2;
    const auto j1 = f.submit_queued(id1);
    f.submit_queued(id2);
    f.event("task-finished", task_json(id1));
    drain(f.c);
    // A drop that will be retried: jobs keep waiting.
    f.c.on_close({std::nullopt, ""}, at_ms(100));
    auto a = drain(f.c);
    const auto d = of(a, nav::action_kind::disconnected);
    REQUIRE(d.size() == 1);
    CHECK(d[0]->retry_at == at_ms(1100));
    CHECK(of(a, nav::action_kind::job).empty());
    // Closing for good: the unfinished job fails, the finished one stays finished.
    f.c.close(at_ms(200));
    a = drain(f.c);
    const auto jobs = of(a, nav::action_kind::job);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]->status == nav::job_status::failed);
    CHECK(jobs[0]->error == nav::errc::connection_lost);
    CHECK(f.c.job(j1)->state == nav::job_state::finished);
}

TEST_CASE("navigator client: the caller's misuse is refused and changes nothing") {
    auto cfg = test_config();
    cfg.max_jobs = 2;
    cfg.max_requests = 3;
    fixture f(cfg);
    std::uint64_t job = 0;
    CHECK(f.c.submit({}, at_ms(1), job) == nav::errc::invalid_request);
    CHECK(f.c.fetch_image(42, at_ms(1)) == nav::errc::unknown_job);
    CHECK(f.c.forget(42) == nav::errc::unknown_job);
    CHECK(f.c.on_http_response(42, 200, "", at_ms(1)) == nav::errc::unknown_request);
    CHECK(drain(f.c).empty());
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(1), job));
    REQUIRE_FALSE(f.c.submit(puppies, at_ms(1), job));
    CHECK(f.c.submit(puppies, at_ms(1), job) == nav::errc::too_many_jobs);
    REQUIRE_FALSE(f.c.fetch_models(at_ms(1)));
    CHECK(f.c.fetch_models(at_ms(1)) == nav::errc::too_many_requests);
    CHECK(drain(f.c).size() == 3);
    CHECK(f.c.jobs().active() == 2);
    CHECK(nav::config{}.validate() == nav::errc::invalid_config); // no Socket.IO URL
    CHECK_FALSE(nav::config::local().validate());
}

TEST_CASE("navigator client: malformed event payloads are reported, not fatal") {
    fixture f;
    std::string job_id;
    f.submit_queued(job_id);
    auto a = f.event("task-progress", R"({"progress":0.5})"); // no job_id
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == nav::action_kind::event);
    CHECK(a[0].error == nav::errc::bad_event);
    a = f.event("task-progress", R"({"job_id":")" + job_id + R"(","progress":"half"})"); // ours, but a field is wrong
    REQUIRE(a.size() == 1);
    CHECK(a[0].status == nav::job_status::progress);
    CHECK_FALSE(a[0].has_task);
    CHECK(a[0].detail_error == nav::errc::bad_event);
    CHECK(f.c.is_connected());
}

TEST_CASE("navigator client: no allocation per progress event once running") {
    fixture f;
    std::string job_id;
    f.submit_queued(job_id);
    const std::string frame = "42[\"task-progress\"," + progress_json(job_id, 0.42) + "]";
    const std::string foreign = "42[\"task-progress\"," + progress_json("someone-elses-job", 0.42) + "]";
    for (int i = 0; i < 3; ++i) {
        f.c.on_message(frame, message_type::text, at_ms(10 + i));
        f.c.on_message(foreign, message_type::text, at_ms(10 + i));
        f.c.on_message("2", message_type::text, at_ms(10 + i));
        while (f.c.poll()) {
        }
    }
    sluice_test::allocation_counter count;
    int progress = 0;
    for (int i = 0; i < 500; ++i) {
        f.c.on_message(frame, message_type::text, at_ms(100 + i));
        f.c.on_message(foreign, message_type::text, at_ms(100 + i));
        f.c.on_message("2", message_type::text, at_ms(100 + i));
        f.c.handle_timeout(at_ms(100 + i));
        while (const auto* e = f.c.poll())
            if (e->action.kind == nav::action_kind::job && e->action.task) progress += e->action.task->progress == 0.42;
    }
    CHECK(count.count() == 0);
    CHECK(progress == 500);
}

TEST_CASE("navigator client: a refused event stream closes for good and fails unfinished jobs") {
    sluice::xoshiro256 rng{5};
    nav::client c(test_config(), rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(0));
    c.on_message(R"(0{"sid":"E","upgrades":[],"pingInterval":25000,"pingTimeout":20000})", message_type::text, at_ms(0));
    std::uint64_t job = 0;
    REQUIRE_FALSE(c.submit(puppies, at_ms(1), job));
    drain(c);
    c.on_message(R"(44{"message":"invalid token"})", message_type::text, at_ms(2));
    const auto a = drain(c);
    const auto d = of(a, nav::action_kind::disconnected);
    REQUIRE(d.size() == 2);
    CHECK(d[0]->error == sluice::socketio::errc::namespace_refused);
    CHECK(d[0]->data == R"({"message":"invalid token"})");
    CHECK(d[1]->retry_at.is_never());
    const auto jobs = of(a, nav::action_kind::job);
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0]->error == nav::errc::connection_lost);
    CHECK(c.events().engine().current_state() == sluice::engineio::state::closed);
    CHECK(c.next_deadline() == at_ms(5'001)); // only the submit's HTTP deadline is left
}

TEST_CASE("navigator client: a job saved by an earlier run is tracked again") {
    fixture f;
    std::uint64_t job = 0, again = 0;
    CHECK(f.c.track("", at_ms(1), job) == nav::errc::invalid_request);
    REQUIRE_FALSE(f.c.track("59feab77", at_ms(1), job));
    REQUIRE_FALSE(f.c.track("59feab77", at_ms(1), again));
    CHECK(again == job);
    CHECK(f.c.job(job)->state == nav::job_state::queued);
    CHECK(drain(f.c).empty()); // nothing goes out
    auto a = f.event("task-progress", progress_json("59feab77", 0.5));
    REQUIRE(a.size() == 1);
    CHECK(a[0].job == job);
    CHECK(a[0].status == nav::job_status::progress);
    a = f.event("task-finished", task_json("59feab77"));
    REQUIRE(a.size() == 2);
    CHECK(a[0].status == nav::job_status::finished);
    CHECK(a[1].target == "/api/images/59feab77");
}
