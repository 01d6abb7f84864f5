// Byte mode: navigator::client inside ws::session, fed a server transcript
// split at random points, with the queue answer arriving at a random moment
// (before, among or after the job's events): the job's actions are the same
// every time (held events are replayed in order after the answer).
#include <sluice/navigator/client.hpp>
#include <sluice/ws/session.hpp>

#include "../socketio/bytes.hpp"
#include "support/support.hpp"

#include <string>
#include <vector>

namespace nav = sluice::navigator;
using sluice::instant;

namespace {

using session = sluice::ws::session<nav::client>;

nav::config test_config() {
    nav::config cfg = nav::config::local();
    cfg.generate_job_ids = false; // the server names the job: events may come first
    return cfg;
}

std::string task(std::string_view extra) {
    return std::string(R"({"job_id":"j1","model_name":"m","prompt":"p \"q\" \u00e9")") + (extra.empty() ? "" : ",") + std::string(extra) + "}";
}

std::string body_frames() {
    using namespace sio_bytes;
    std::string s;
    s += text(R"(42["task-progress",{"job_id":"someone-else","progress":0.5}])");
    s += text("42[\"model-changed\"," + task("") + "]");
    s += text("42[\"task-started\"," + task(R"("status":"started")") + "]");
    s += text("42[\"task-progress\"," + task(R"("progress":0.25,"current_step":1,"total_steps":4)") + "]");
    const std::string p2 = "42[\"task-progress\"," + task(R"("progress":0.5)") + "]";
    s += frame(0x1, std::string_view(p2).substr(0, 10), false) + frame(0x9, "") + frame(0x0, std::string_view(p2).substr(10));
    s += text("2");
    s += text(R"(42["task-finished",{"job_id":"someone-else"}])");
    s += text("42[\"task-progress\"," + task(R"("progress":0.75)") + "]");
    s += text("42[\"task-finished\"," + task(R"("img_path":"/api/images/j1")") + "]");
    s += text("42[\"task-progress\"," + task(R"("progress":0.99)") + "]"); // after the end: ignored
    return s;
}

std::string run(sluice_test::test_rng* rng) {
    sluice::xoshiro256 entropy(7);
    session s(entropy, sluice::ws::client_options{}, test_config(), entropy);
    std::string log;
    std::string upgrade;
    std::uint64_t submit_request = 0;
    auto collect = [&] {
        while (const auto* e = s.poll()) {
            const auto& a = e->action;
            if (a.io == sluice::ws::io_op::transmit && upgrade.empty()) upgrade = std::string(e->bytes);
            if (a.io != sluice::ws::io_op::none) continue;
            const nav::action& x = a.inner;
            switch (x.kind) {
            case nav::action_kind::http_request:
                if (x.request.method == "POST") submit_request = x.request.id;
                else log += "GET " + std::string(x.request.target) + "\n";
                break;
            case nav::action_kind::job:
                log += "job " + std::string(x.job_id) + " status " + std::to_string(static_cast<int>(x.status));
                if (x.task && x.task->progress) log += " progress " + std::to_string(*x.task->progress);
                if (x.task && x.task->prompt) log += " prompt " + *x.task->prompt;
                log += "\n";
                break;
            case nav::action_kind::connected: log += "connected\n"; break;
            default: break;
            }
        }
    };
    std::uint64_t job = 0;
    REQUIRE_FALSE(s.inner().submit({.model_name = "m", .prompt = "p", .owner_id = "o"}, instant::zero(), job));
    REQUIRE_FALSE(s.inner().start(instant::zero()));
    collect();
    s.transport_open(instant::zero());
    collect();
    using namespace sio_bytes;
    const std::string bytes = switching_protocols(upgrade) +
                              text(R"(0{"sid":"E","upgrades":[],"pingInterval":25000,"pingTimeout":20000})") + text(R"(40{"sid":"S"})") +
                              body_frames();
    std::vector<std::string_view> pieces;
    if (rng) pieces = sluice_test::random_split(bytes, *rng, 1 + rng->below(40));
    else pieces.push_back(bytes);
    const std::size_t answer_at = rng ? rng->below(pieces.size() + 1) : pieces.size();
    for (std::size_t i = 0; i <= pieces.size(); ++i) {
        if (i == answer_at) {
            REQUIRE_FALSE(s.inner().on_http_response(submit_request, 200, R"({"job_id":"j1","status":"queued"})", instant::zero()));
            collect();
        }
        if (i < pieces.size()) {
            s.receive(pieces[i], instant::zero());
            collect();
        }
    }
    return log;
}

} // namespace

TEST_CASE("navigator byte mode: the same job actions for any split and any moment of the queue answer") {
    const std::string whole = run(nullptr);
    CHECK(whole == "connected\n"
                   "job j1 status 0\n"                          // queued
                   "job j1 status 1 prompt p \"q\" \xc3\xa9\n"  // model-changed
                   "job j1 status 2 prompt p \"q\" \xc3\xa9\n"  // started
                   "job j1 status 3 progress 0.250000 prompt p \"q\" \xc3\xa9\n"
                   "job j1 status 3 progress 0.500000 prompt p \"q\" \xc3\xa9\n"
                   "job j1 status 3 progress 0.750000 prompt p \"q\" \xc3\xa9\n"
                   "job j1 status 4 prompt p \"q\" \xc3\xa9\n"  // finished
                   "GET /api/images/j1\n");
    sluice_test::test_rng rng{77};
    for (int i = 0; i < 2000; ++i) {
        CAPTURE(i);
        const std::string log = run(&rng);
        // "connected" may come before or after the answer; the job's actions never change.
        std::string without = log;
        without.erase(without.find("connected\n"), 10);
        std::string expected = whole;
        expected.erase(0, 10);
        REQUIRE(without == expected);
    }
}
