// Navigator API data: the seed's examples decoded, the txt2img body with its
// defaults, and malformed data.
#include <sluice/navigator/types.hpp>

#include "support/support.hpp"

#include <string>
#include <vector>

namespace nav = sluice::navigator;

TEST_CASE("navigator models: the seed's example") {
    const char* body = R"({
    "models": [
        {
            "config": null,
            "filename": "/stable-diffusion-webui/models/Stable-diffusion/cyberrealisticXL_v31.safetensors",
            "friendly_name": "CyberRealistic XL",
            "hash": "95d17e744f",
            "id": 1,
            "is_restricted": false,
            "known": true,
            "model_name": "cyberrealisticXL_v31",
            "sha256": "95d17e744fba748e6d0c55126e60c794fc9c26e563dbf9c98feead78c3731e78",
            "title": "cyberrealisticXL_v31.safetensors [95d17e744f]"
        },
        { "model_name": "unknownModel", "hash": null, "title": "unknownModel.safetensors", "known": false }
    ]
})";
    std::vector<nav::model> ms;
    REQUIRE_FALSE(nav::decode_models(body, ms));
    REQUIRE(ms.size() == 2);
    CHECK(ms[0].model_name == "cyberrealisticXL_v31");
    CHECK(ms[0].is_known());
    CHECK(ms[0].friendly_name == "CyberRealistic XL");
    CHECK(ms[0].is_restricted == false);
    CHECK(ms[0].id == 1);
    CHECK(ms[0].hash == "95d17e744f");
    CHECK(ms[0].title == "cyberrealisticXL_v31.safetensors [95d17e744f]");
    CHECK_FALSE(ms[1].is_known());
    CHECK_FALSE(ms[1].friendly_name);
    CHECK_FALSE(ms[1].is_restricted);
    CHECK_FALSE(ms[1].hash); // null
    // Decoding again into the same vector reuses it.
    REQUIRE_FALSE(nav::decode_models(R"({"models":[{"model_name":"x"}]})", ms));
    REQUIRE(ms.size() == 1);
    CHECK(ms[0].model_name == "x");
    CHECK_FALSE(ms[0].title);
}

TEST_CASE("navigator models: malformed") {
    std::vector<nav::model> ms;
    for (const char* bad : {"", "[]", "{}", R"({"models":{}})", R"({"models":[{"title":"no name"}]})", R"({"models":[{"model_name":1}]})",
                            R"({"models":[{"model_name":"a","known":"yes"}]})", "{\"models\":[}"}) {
        CAPTURE(bad);
        CHECK(nav::decode_models(bad, ms) == nav::errc::bad_response);
        CHECK(ms.empty());
    }
    CHECK(nav::make_error_code(nav::errc::bad_response) == sluice::condition::protocol_violation);
}

TEST_CASE("navigator txt2img: the seed's defaults are written out") {
    nav::txt2img_request r;
    r.model_name = "cyberrealisticXL_v31";
    r.prompt = "Puppies";
    r.owner_id = "Russ";
    std::string body;
    REQUIRE_FALSE(nav::write_txt2img_body(r, {}, body));
    CHECK(body == R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","width":512,"height":512,"steps":50,)"
                  R"("seed":-1,"cfg_scale":7,"sampler_name":"k_dpmpp_2m","denoising_strength":0,"force_hr_fix":false})");
}

TEST_CASE("navigator txt2img: every field, denoising forces hr_fix, job_id") {
    nav::txt2img_request r{.model_name = "m",
                           .prompt = "a \"quoted\" prompt\n",
                           .negative_prompt = "blurry",
                           .owner_id = "owner",
                           .job_id = "mine",
                           .width = 768,
                           .height = 1024,
                           .steps = 30,
                           .seed = 1234,
                           .cfg_scale = 6.5,
                           .sampler_name = "euler_a",
                           .denoising_strength = 0.35,
                           .force_hr_fix = false};
    CHECK(r.hr_fix());
    std::string body = "prefix:";
    REQUIRE_FALSE(nav::write_txt2img_body(r, {}, body));
    CHECK(body == R"(prefix:{"model_name":"m","prompt":"a \"quoted\" prompt\n","negative_prompt":"blurry","owner_id":"owner",)"
                  R"("job_id":"mine","width":768,"height":1024,"steps":30,"seed":1234,"cfg_scale":6.5,"sampler_name":"euler_a",)"
                  R"("denoising_strength":0.35,"force_hr_fix":true})");
    body.clear();
    REQUIRE_FALSE(nav::write_txt2img_body(r, "override", body)); // the client's generated id wins
    CHECK(body.find(R"("job_id":"override")") != std::string::npos);
    r.denoising_strength = 0;
    r.force_hr_fix = true;
    CHECK(r.hr_fix());
}

TEST_CASE("navigator txt2img: invalid requests are refused") {
    const nav::txt2img_request ok{.model_name = "m", .prompt = "p", .owner_id = "o"};
    CHECK_FALSE(ok.validate());
    auto bad = [&](auto change) {
        nav::txt2img_request r = ok;
        change(r);
        std::string body = "x";
        const auto ec = nav::write_txt2img_body(r, {}, body);
        CHECK(body == "x");
        return ec;
    };
    CHECK(bad([](auto& r) { r.model_name.clear(); }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.prompt.clear(); }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.owner_id.clear(); }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.width = 0; }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.steps = 0; }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.cfg_scale = 0; }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.denoising_strength = 1.5; }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.denoising_strength = -0.1; }) == nav::errc::invalid_request);
    CHECK(bad([](auto& r) { r.prompt = "\xff"; }) == nav::errc::invalid_request); // not UTF-8
    CHECK(nav::make_error_code(nav::errc::invalid_request) == sluice::condition::misuse);
}

TEST_CASE("navigator queued: the seed's example") {
    nav::queued q;
    REQUIRE_FALSE(nav::decode_queued(R"({"height":512,"job_id":"59feab77","model_name":"cyberrealisticXL_v31","owner_id":"Russ",)"
                                     R"("prompt":"Puppies","queue_size":1,"seed":-1,"status":"queued","steps":50,"task_type":"txt2img","width":512})",
                                     q));
    CHECK(q.job_id == "59feab77");
    CHECK(q.queue_size == 1);
    CHECK(q.status == "queued");
    CHECK(q.seed == -1);
    CHECK(nav::decode_queued(R"({"status":"queued"})", q) == nav::errc::bad_response);
    CHECK(nav::decode_queued(R"({"job_id":""})", q) == nav::errc::bad_response);
    CHECK(nav::decode_queued("not json", q) == nav::errc::bad_response);
}

TEST_CASE("navigator events: the seed's payloads") {
    nav::task t;
    REQUIRE_FALSE(nav::decode_task(R"({"model_name":"cyberrealisticXL_v31","job_id":"cf2646a2"})", t));
    CHECK(t.job_id == "cf2646a2");
    CHECK(t.model_name == "cyberrealisticXL_v31");

    REQUIRE_FALSE(nav::decode_task(R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":"342ee798",)"
                                   R"("width":512,"height":512,"steps":50,"seed":-1,"queue_size":1,"task_type":"txt2img","status":"started"})",
                                   t));
    CHECK(t.status == "started");
    CHECK(t.queue_size == 1);
    CHECK(t.width == 512);

    REQUIRE_FALSE(nav::decode_task(R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":"cf2646a2",)"
                                   R"("width":512,"height":512,"steps":50,"seed":-1,"task_type":"txt2img","status":"processing",)"
                                   R"("progress":0.19,"eta_relative":9.849347967850534,"current_step":9,"total_steps":50,)"
                                   R"("progress_path":"/api/previews/cf2646a2"})",
                                   t));
    CHECK(t.progress == doctest::Approx(0.19));
    CHECK(t.eta_relative == doctest::Approx(9.849347967850534));
    CHECK(t.current_step == 9);
    CHECK(t.total_steps == 50);
    CHECK(t.progress_path == "/api/previews/cf2646a2");
    CHECK_FALSE(t.queue_size); // not in this event: emptied

    REQUIRE_FALSE(nav::decode_task(R"({"job_id":"cf2646a2","status":"finished","img_path":"/api/images/cf2646a2"})", t));
    CHECK(t.img_path == "/api/images/cf2646a2");
    CHECK_FALSE(t.progress);

    REQUIRE_FALSE(nav::decode_task(R"({"job_id":"59feab77","status":"failed","error":{"code":"ECONNREFUSED","fatal":true}})", t));
    REQUIRE(t.error);
    CHECK(t.error->code == "ECONNREFUSED");
    CHECK(t.error->fatal == true);
    CHECK_FALSE(t.error->message);

    REQUIRE_FALSE(nav::decode_task(R"({"job_id":"x","error":"CUDA out of memory \u2014 retry"})", t)); // a message instead
    REQUIRE(t.error);
    CHECK(t.error->message == "CUDA out of memory \xe2\x80\x94 retry");
    CHECK_FALSE(t.error->code);
    REQUIRE_FALSE(nav::decode_task(R"({"job_id":"x","prompt":"esc\"aped"})", t));
    CHECK_FALSE(t.error);
    CHECK(t.prompt == "esc\"aped");
}

TEST_CASE("navigator events: malformed payloads") {
    nav::task t;
    for (const char* bad : {"", "[]", "{}", R"({"job_id":""})", R"({"job_id":5})", R"({"job_id":"a","progress":"half"})",
                            R"({"job_id":"a","error":[1]})", R"({"job_id":"a","error":{"fatal":"yes"}})", R"({"job_id":"a")"}) {
        CAPTURE(bad);
        CHECK(nav::decode_task(bad, t) == nav::errc::bad_event);
    }
    std::string id;
    CHECK(nav::peek_job_id(R"({"progress":0.5,"job_id":"abc"})", id));
    CHECK(id == "abc");
    CHECK_FALSE(nav::peek_job_id(R"({"progress":0.5})", id));
    CHECK_FALSE(nav::peek_job_id("[]", id));
}

TEST_CASE("navigator event names") {
    using nav::event_name;
    for (auto e : {event_name::model_changed, event_name::task_started, event_name::task_progress, event_name::task_finished,
                   event_name::task_failed, event_name::task_interrupted, event_name::connected})
        CHECK(nav::classify(nav::to_string(e)) == e);
    CHECK(nav::classify("something-else") == event_name::other);
    CHECK(nav::is_job_event(event_name::task_progress));
    CHECK_FALSE(nav::is_job_event(event_name::connected));
}
