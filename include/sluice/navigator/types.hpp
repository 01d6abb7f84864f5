#pragma once
// sluice/navigator/types.hpp: the BitJourney Navigator API's data, typed
// (seed 004): models, the txt2img request and its queued answer, and the
// task-* event payloads.
//
// What the seed shows is decoded leniently: every field the seed marks
// optional, or that real servers leave out, is std::optional; unknown fields
// are skipped. Only the fields a client cannot do without are required
// (model_name of a model, job_id of a queue answer and of a task event).
//
// Text fields are std::string so that escaped JSON (a prompt with quotes,
// python's \u escapes) decodes correctly; decode into the same object again
// and again (the client does) and their buffers are reused, so steady-state
// decoding allocates nothing.
//
// Includes: <cmath> for isfinite, <cstdint>, <optional>, <string>,
// <string_view>, <system_error>, <vector>; json/{read,write,raw}.hpp;
// reflect/meta.hpp for the member lists; errc.hpp.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/write.hpp>
#include <sluice/navigator/errc.hpp>
#include <sluice/reflect/meta.hpp>

namespace sluice::navigator {

// ---- GET /api/models --------------------------------------------------------

/// One model of GET /api/models. `known`, `friendly_name` and `is_restricted`
/// are Navigator's own (present when Navigator knows the model); the others
/// come from the Stable Diffusion backend. Pass `model_name` to txt2img.
struct model {
    std::string model_name{};
    std::optional<std::string> title{};
    std::optional<std::string> filename{};
    std::optional<std::string> hash{};
    std::optional<std::string> sha256{};
    std::optional<std::int64_t> id{};
    std::optional<bool> known{};
    std::optional<std::string> friendly_name{};
    std::optional<bool> is_restricted{}; ///< advisory: Navigator does not enforce it

    /// Navigator has this model in its database (`known` true).
    bool is_known() const noexcept { return known.value_or(false); }
};

namespace detail {
struct models_body {
    std::vector<model> models{};
};
struct only_job_id {
    std::optional<std::string> job_id{};
};
} // namespace detail

/// Decodes the body of GET /api/models into `out` (its elements and their
/// strings are reused). Errors: errc::bad_response (not `{"models":[...]}`,
/// or a model without a string `model_name`).
inline std::error_code decode_models(std::string_view body, std::vector<model>& out) {
    // Read straight into `out` through a wrapper that borrows it.
    detail::models_body b;
    b.models.swap(out);
    const bool bad = static_cast<bool>(json::read(b, body));
    b.models.swap(out);
    if (bad) {
        out.clear();
        return errc::bad_response;
    }
    return {};
}

// ---- POST /api/queue/txt2img ---------------------------------------------------

/// A txt2img job, with the seed's defaults. Empty `negative_prompt` and
/// `job_id` are left out of the request (the client may fill job_id, see
/// config::generate_job_ids).
struct txt2img_request {
    std::string model_name{};      ///< required: a model_name from GET /api/models
    std::string prompt{};          ///< required: the positive prompt
    std::string negative_prompt{}; ///< optional
    std::string owner_id{};        ///< required: who submits (for Navigator's accounting)
    std::string job_id{};          ///< optional: a unique id chosen by the client
    std::uint32_t width = 512;
    std::uint32_t height = 512;
    std::uint32_t steps = 50;
    std::int64_t seed = -1;      ///< -1: random
    double cfg_scale = 7.0;
    std::string sampler_name = "k_dpmpp_2m";
    /// Anything but 0.0 means the hr_fix tool, so Navigator forces hr_fix
    /// on; the client sends force_hr_fix = true with it to say so.
    double denoising_strength = 0.0;
    bool force_hr_fix = false;

    /// errc::invalid_request when model_name, prompt, owner_id or
    /// sampler_name is empty, width/height/steps is 0, cfg_scale is not a
    /// finite number above 0, or denoising_strength is not in [0, 1]; else empty.
    std::error_code validate() const noexcept {
        if (model_name.empty() || prompt.empty() || owner_id.empty() || sampler_name.empty() || width == 0 || height == 0 ||
            steps == 0 || !std::isfinite(cfg_scale) || cfg_scale <= 0 || !(denoising_strength >= 0.0 && denoising_strength <= 1.0))
            return errc::invalid_request;
        return {};
    }
    /// True when the request asks for the hr_fix tool, explicitly or through denoising.
    bool hr_fix() const noexcept { return force_hr_fix || denoising_strength != 0.0; }
};

namespace detail {
// What goes on the wire: every field with its value (the defaults written out).
struct txt2img_wire {
    std::string_view model_name{};
    std::string_view prompt{};
    std::optional<std::string_view> negative_prompt{};
    std::string_view owner_id{};
    std::optional<std::string_view> job_id{};
    std::uint32_t width;
    std::uint32_t height;
    std::uint32_t steps;
    std::int64_t seed;
    double cfg_scale;
    std::string_view sampler_name{};
    double denoising_strength;
    bool force_hr_fix;
};
} // namespace detail

/// Appends the JSON body of POST /api/queue/txt2img for `r` to `out`, with
/// `job_id` (when not empty) instead of r.job_id. Errors: those of
/// r.validate(), or errc::invalid_request when a text is not UTF-8 (`out`
/// is then unchanged).
inline std::error_code write_txt2img_body(const txt2img_request& r, std::string_view job_id, std::string& out) {
    if (const auto ec = r.validate()) return ec;
    if (job_id.empty()) job_id = r.job_id;
    const detail::txt2img_wire w{r.model_name,
                                 r.prompt,
                                 r.negative_prompt.empty() ? std::nullopt : std::optional<std::string_view>(r.negative_prompt),
                                 r.owner_id,
                                 job_id.empty() ? std::nullopt : std::optional<std::string_view>(job_id),
                                 r.width,
                                 r.height,
                                 r.steps,
                                 r.seed,
                                 r.cfg_scale,
                                 r.sampler_name,
                                 r.denoising_strength,
                                 r.hr_fix()};
    if (json::write(w, out)) return errc::invalid_request;
    return {};
}

/// The answer to POST /api/queue/txt2img: the job as queued.
struct queued {
    std::string job_id{}; ///< the id every event of this job carries
    std::optional<std::string> status{}; ///< "queued"
    std::optional<std::int64_t> queue_size{};
    std::optional<std::string> model_name{};
    std::optional<std::string> owner_id{};
    std::optional<std::string> prompt{};
    std::optional<std::string> task_type{}; ///< "txt2img"
    std::optional<std::int64_t> width{};
    std::optional<std::int64_t> height{};
    std::optional<std::int64_t> steps{};
    std::optional<std::int64_t> seed{};
};

/// Decodes a queue answer. Errors: errc::bad_response (not an object with a
/// non-empty string job_id).
inline std::error_code decode_queued(std::string_view body, queued& out) {
    if (json::read(out, body) || out.job_id.empty()) return errc::bad_response;
    return {};
}

// ---- Socket.IO events -----------------------------------------------------------

/// The events Navigator emits.
enum class event_name : std::uint8_t {
    model_changed,    ///< "model-changed": the backend switches model for job_id
    task_started,     ///< "task-started"
    task_progress,    ///< "task-progress": progress 0-1, eta_relative, current_step/total_steps, progress_path
    task_finished,    ///< "task-finished": img_path
    task_failed,      ///< "task-failed": error {code, fatal}
    task_interrupted, ///< "task-interrupted" (the real server; not in the seed)
    connected,        ///< "connected" (the real server, on connect)
    other,            ///< anything else: delivered raw
};

/// The event for a Socket.IO event name.
constexpr event_name classify(std::string_view name) noexcept {
    if (name == "task-progress") return event_name::task_progress;
    if (name == "task-started") return event_name::task_started;
    if (name == "task-finished") return event_name::task_finished;
    if (name == "task-failed") return event_name::task_failed;
    if (name == "model-changed") return event_name::model_changed;
    if (name == "task-interrupted") return event_name::task_interrupted;
    if (name == "connected") return event_name::connected;
    return event_name::other;
}
/// The wire name of an event ("" for other).
constexpr std::string_view to_string(event_name e) noexcept {
    switch (e) {
    case event_name::model_changed: return "model-changed";
    case event_name::task_started: return "task-started";
    case event_name::task_progress: return "task-progress";
    case event_name::task_finished: return "task-finished";
    case event_name::task_failed: return "task-failed";
    case event_name::task_interrupted: return "task-interrupted";
    case event_name::connected: return "connected";
    case event_name::other: break;
    }
    return {};
}
/// True for the events that concern one job (they carry job_id).
constexpr bool is_job_event(event_name e) noexcept { return e != event_name::connected && e != event_name::other; }

/// task-failed's error: `{"code":"ECONNREFUSED","fatal":true}` (or, from
/// servers that send a message instead, `"message text"` in `message`).
struct task_error {
    std::optional<std::string> code{};
    std::optional<bool> fatal{};
    std::optional<std::string> message{};
};

/// The payload of every job event (model-changed and task-*): the fields of
/// the seed, each present only in the events that carry it.
struct task {
    std::string job_id{};
    std::optional<std::string> model_name{};
    std::optional<std::string> prompt{};
    std::optional<std::string> owner_id{};
    std::optional<std::string> task_type{}; ///< "txt2img"
    std::optional<std::string> status{};    ///< "started", "processing", "finished", "failed", ...
    std::optional<std::int64_t> width{};
    std::optional<std::int64_t> height{};
    std::optional<std::int64_t> steps{};
    std::optional<std::int64_t> seed{};
    std::optional<std::int64_t> queue_size{};
    // task-progress
    std::optional<double> progress{};         ///< 0 to 1 (multiply by 100 to show a percentage)
    std::optional<double> eta_relative{};     ///< seconds to completion, the backend's estimate
    std::optional<std::int64_t> current_step{};
    std::optional<std::int64_t> total_steps{};
    std::optional<std::string> progress_path{}; ///< e.g. "/api/previews/cf2646a2"
    // task-finished
    std::optional<std::string> img_path{};      ///< e.g. "/api/images/cf2646a2"
    // task-failed
    std::optional<task_error> error{};

    std::optional<json::raw> error_json{}; ///< the raw "error" value (decode_task fills `error` from it)
};

} // namespace sluice::navigator

// Which members are JSON fields and under what key (declared before read()
// is instantiated for these types).
template <>
struct sluice::reflect::meta<sluice::navigator::task> {
    using T = sluice::navigator::task;
    using members = sluice::reflect::member_list<&T::job_id, &T::model_name, &T::prompt, &T::owner_id, &T::task_type, &T::status,
                                                 &T::width, &T::height, &T::steps, &T::seed, &T::queue_size, &T::progress,
                                                 &T::eta_relative, &T::current_step, &T::total_steps, &T::progress_path,
                                                 &T::img_path, &T::error_json>;
    static constexpr sluice::reflect::rename renames[] = {{"error_json", "error"}};
};

namespace sluice::navigator {

/// Decodes a job event's payload (the first argument of the Socket.IO
/// event). `out` is reused: call it on the same object for every event of a
/// kind and nothing is allocated once its strings have grown.
/// Errors: errc::bad_event (not an object with a non-empty string job_id, a
/// field of the wrong type, or an `error` that is neither an object nor a string).
inline std::error_code decode_task(std::string_view json_text, task& out) {
    if (json::read(out, json_text) || out.job_id.empty()) return errc::bad_event;
    const std::string_view err = out.error_json ? out.error_json->text : std::string_view{};
    if (err.empty() || err == "null") {
        out.error.reset();
        return {};
    }
    task_error& e = out.error ? *out.error : out.error.emplace();
    if (err.front() == '"') {
        e.code.reset();
        e.fatal.reset();
        if (json::read(e.message ? *e.message : e.message.emplace(), err)) return errc::bad_event;
        return {};
    }
    if (json::read(e, err)) return errc::bad_event;
    return {};
}

/// Reads only the job_id of an event payload (what the tracker needs to
/// know whose event it is), without decoding the rest. Returns false when
/// there is no non-empty string job_id.
inline bool peek_job_id(std::string_view json_text, std::string& job_id) {
    detail::only_job_id j;
    j.job_id.emplace(std::move(job_id)); // reuse the caller's buffer
    const bool ok = !json::read(j, json_text) && j.job_id && !j.job_id->empty();
    job_id = j.job_id ? std::move(*j.job_id) : std::string();
    return ok;
}

} // namespace sluice::navigator
