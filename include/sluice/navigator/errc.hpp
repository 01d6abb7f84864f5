#pragma once
// sluice/navigator/errc.hpp: the Navigator layer's precise error codes.
//
// A Navigator job ends exactly once; when it does not finish, the job's
// action carries one of the outcome codes below (task_failed, interrupted,
// job_timeout, submit_rejected, ...). Data from the server that does not
// have the documented shape is reported with bad_response / bad_event, and
// the caller's misuse (an invalid txt2img request, an unknown job) is
// returned by the call that was refused.
//
// Includes: <system_error>; core/error.hpp for condition and table_category.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::navigator {

/// Precise errors of the Navigator layer. 0 is never used (it means success).
enum class errc : int {
    // how a job ended, when it did not finish
    task_failed = 1,    ///< the server sent task-failed (its error code and fatal flag are in the task)
    task_interrupted,   ///< the server sent task-interrupted
    job_timeout,        ///< the job did not end within config::job_timeout of its submission
    submit_rejected,    ///< POST /api/queue/txt2img answered with a status other than 2xx
    unauthorized,       ///< the server answered 401 or 403: the Authorization header is missing or wrong
    request_timeout,    ///< an HTTP request got no response within config::http_timeout
    request_failed,     ///< the caller reported that an HTTP request could not be performed
    connection_lost,    ///< the Socket.IO connection ended for good (no reconnection), with the job unfinished
    // the server's data
    bad_response,       ///< an HTTP response body that is not the documented JSON
    bad_event,          ///< a Socket.IO event whose payload is not the documented JSON
    not_png,            ///< an image response (200) that is not a PNG
    http_status,        ///< an HTTP response with an unexpected status (the status is in the action)
    // the caller's misuse (returned; nothing changes)
    invalid_request,    ///< a txt2img request with an empty model_name/prompt/owner_id or an out-of-range value
    unknown_job,        ///< no job has this handle (never submitted, or forgotten)
    unknown_request,    ///< no pending HTTP request has this id (already answered, timed out, or never issued)
    too_many_jobs,      ///< config::max_jobs unfinished jobs are tracked
    too_many_requests,  ///< config::max_requests HTTP requests are pending
    job_not_ready,      ///< the job has no server job id yet (its queue response has not arrived)
    invalid_config,     ///< a configuration value is out of range (see config::validate)
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::task_failed, "navigator: the task failed", condition::invalid_data},
    {errc::task_interrupted, "navigator: the task was interrupted", condition::closed},
    {errc::job_timeout, "navigator: the job did not end in time", condition::timeout},
    {errc::submit_rejected, "navigator: the queue request was rejected", condition::invalid_data},
    {errc::unauthorized, "navigator: unauthorized (401/403)", condition::handshake_failed},
    {errc::request_timeout, "navigator: no HTTP response in time", condition::timeout},
    {errc::request_failed, "navigator: the HTTP request could not be performed", condition::closed},
    {errc::connection_lost, "navigator: the event connection ended for good", condition::closed},
    {errc::bad_response, "navigator: malformed HTTP response body", condition::protocol_violation},
    {errc::bad_event, "navigator: malformed event payload", condition::protocol_violation},
    {errc::not_png, "navigator: the image is not a PNG", condition::invalid_data},
    {errc::http_status, "navigator: unexpected HTTP status", condition::invalid_data},
    {errc::invalid_request, "navigator: invalid txt2img request", condition::misuse},
    {errc::unknown_job, "navigator: unknown job", condition::misuse},
    {errc::unknown_request, "navigator: unknown HTTP request id", condition::misuse},
    {errc::too_many_jobs, "navigator: too many jobs", condition::limit_exceeded},
    {errc::too_many_requests, "navigator: too many pending HTTP requests", condition::limit_exceeded},
    {errc::job_not_ready, "navigator: the job has no job id yet", condition::misuse},
    {errc::invalid_config, "navigator: configuration value out of range", condition::misuse},
};

} // namespace detail

/// The category of navigator::errc (name "sluice.navigator"); one object per program.
inline const std::error_category& navigator_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.navigator");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), navigator_category()}; }

} // namespace sluice::navigator

template <>
struct std::is_error_code_enum<sluice::navigator::errc> : std::true_type {};
