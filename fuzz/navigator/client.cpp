// Fuzz the Navigator decoders and client: the whole input through
// decode_task(), decode_queued() and decode_models(); then, as messages
// (../engineio/records.hpp), into a connected client with jobs in flight
// whose HTTP requests are answered with the record bytes. Invariants: no
// crash; each job ends (a terminal job action) at most once; nothing is
// reported for a job after its end; job actions carry their job's payload;
// shrink() between messages changes none of that.
#include <sluice/navigator/client.hpp>

#include "../engineio/records.hpp"

#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace nav = sluice::navigator;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    {
        nav::task task;
        (void)nav::decode_task(in, task);
        nav::queued q;
        (void)nav::decode_queued(in, q);
        std::vector<nav::model> models;
        (void)nav::decode_models(in, models);
    }
    sluice::xoshiro256 rng(1);
    nav::config cfg = nav::config::local();
    cfg.generate_job_ids = (size % 2) == 0; // both ways of learning job ids
    cfg.job_timeout = std::chrono::seconds(2);
    cfg.max_jobs = 4;
    cfg.early_events = 4;
    nav::client c(cfg, rng);
    std::int64_t t = 0;
    auto now = [&] { return sluice::instant::from_ns(t); };
    (void)c.start(now());
    c.on_open(now());
    c.on_message(R"(0{"sid":"E","upgrades":[],"pingInterval":100000,"pingTimeout":100000})", sluice::message_type::text, now());
    c.on_message(R"(40{"sid":"S"})", sluice::message_type::text, now());
    std::vector<std::uint64_t> requests;
    std::map<std::uint64_t, int> ends;
    const nav::txt2img_request r{.model_name = "m", .prompt = "p", .owner_id = "o"};
    auto drain = [&] {
        while (const auto* e = c.poll()) {
            const auto& a = e->action;
            if (a.kind == nav::action_kind::http_request) requests.push_back(a.request.id);
            if (a.kind == nav::action_kind::job) {
                if (ends[a.job] != 0) std::abort(); // reported after its end
                if (nav::is_terminal(a.status)) ++ends[a.job];
                if (a.task && a.task->job_id != a.job_id) std::abort();
            }
        }
    };
    fuzz_records::for_each(in, [&](const fuzz_records::record& rec) {
        t += 150'000'000 * static_cast<std::int64_t>(rec.bytes.size() % 5);
        std::uint64_t job = 0;
        if (rec.bytes.size() % 3 == 0) (void)c.submit(r, now(), job);
        drain();
        if (rec.binary && !requests.empty()) { // an HTTP answer
            const auto id = requests[rec.bytes.size() % requests.size()];
            const unsigned status = rec.bytes.empty() ? 404 : static_cast<unsigned char>(rec.bytes[0]) % 2 ? 200 : 500;
            (void)c.on_http_response(id, status, rec.bytes, now());
        } else {
            c.on_message(rec.bytes, sluice::message_type::text, now());
        }
        c.handle_timeout(now());
        drain();
        if (rec.bytes.size() % 7 == 3) { // idle memory given back; the jobs go on
            c.shrink();
            if (c.poll() != nullptr) std::abort();
        }
    });
    return 0;
}
