// The size of an idle connected Navigator client: sizeof plus the heap it
// holds once shrunk after a whole job (submit, queue answer, progress,
// finish, image, forget); and that a shrunk client runs the next job.
#include <sluice/navigator/client.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <chrono>
#include <string>

namespace nav = sluice::navigator;
using namespace std::chrono_literals;
using sluice::instant;
using sluice::message_type;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

std::string task(std::string_view job_id, std::string_view extra) {
    return R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":")" + std::string(job_id) + "\"" +
           std::string(extra) + "}";
}

// A whole job; returns the statuses seen, as letters (q s p f), and the image.
std::string run_job(nav::client& c, std::int64_t t) {
    nav::txt2img_request r;
    r.model_name = "cyberrealisticXL_v31";
    r.prompt = "Puppies";
    r.owner_id = "Russ";
    std::uint64_t job = 0;
    REQUIRE_FALSE(c.submit(r, at_ms(t), job));
    const std::string job_id(c.job(job)->job_id);
    std::string seen;
    std::uint64_t request = 0;
    auto poll = [&] {
        while (const auto* e = c.poll()) {
            const nav::action& a = e->action;
            if (a.kind == nav::action_kind::http_request) request = a.request.id;
            if (a.kind == nav::action_kind::job) seen += "qmspfxit"[static_cast<int>(a.status)];
            if (a.kind == nav::action_kind::image && a.ready) seen += 'I';
        }
    };
    poll();
    REQUIRE_FALSE(c.on_http_response(request, 200, R"({"job_id":")" + job_id + R"(","status":"queued","queue_size":1})", at_ms(t)));
    poll();
    c.on_message(R"(42["task-started",)" + task(job_id, R"(,"status":"started")") + "]", message_type::text, at_ms(t + 1));
    for (int i = 1; i <= 3; ++i)
        c.on_message(R"(42["task-progress",)" + task(job_id, R"(,"progress":0.)" + std::to_string(i) + R"(,"progress_path":"/api/previews/x")") + "]",
                     message_type::text, at_ms(t + 1 + i));
    c.on_message(R"(42["task-finished",)" + task(job_id, R"(,"img_path":"/api/images/x")") + "]", message_type::text, at_ms(t + 5));
    poll();
    REQUIRE_FALSE(c.on_http_response(request, 200, std::string("\x89PNG\r\n\x1a\n", 8) + "image bytes", at_ms(t + 6)));
    poll();
    CHECK_FALSE(c.forget(job));
    return seen;
}

} // namespace

TEST_CASE("navigator client: an idle connected client holds under 1 KiB (sizeof + heap), and runs the next job after shrink()") {
    sluice::xoshiro256 rng{9};
    nav::client c(nav::config::local(), rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(0));
    c.on_message(R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
                 message_type::text, at_ms(0));
    c.on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, at_ms(0));
    c.on_message(R"(42["connected",{"message":"Connected to Navigator"}])", message_type::text, at_ms(0));
    while (c.poll()) {
    }
    REQUIRE(c.is_connected());
    CHECK(run_job(c, 10) == "qspppfI");
    c.on_message(R"(42["task-progress",)" + task("someone-elses-job", R"(,"progress":0.5)") + "]", message_type::text, at_ms(30));
    c.on_message("2", message_type::text, at_ms(30));
    while (c.poll()) {
    }
    const std::size_t warm = c.heap_bytes();
    c.shrink();
    const std::size_t idle = c.heap_bytes();
    MESSAGE("sizeof(navigator::client) = " << sizeof(nav::client) << ", heap: " << warm << " bytes after a job, " << idle
                                            << " once idle (shrunk), total " << sizeof(nav::client) + idle);
    CHECK(idle < warm);
    CHECK(sizeof(nav::client) + idle < 1024);
    CHECK(c.poll() == nullptr);
    CHECK(c.is_connected());
    CHECK(run_job(c, 100) == "qspppfI"); // shrunk, it carries on
    CHECK(c.pending_requests() == 0);
}
