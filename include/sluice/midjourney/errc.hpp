#pragma once
// sluice/midjourney/errc.hpp: the Midjourney tracker's error codes: caller
// misuse (returned) and why a job failed (in `failed` actions).
//
// Includes: <system_error>; core/error.hpp for the table category.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::midjourney {

enum class errc : int {
    // ---- caller misuse: returned, nothing changed ----------------------
    not_ready = 1,     ///< the gateway session (READY) or the application commands are not known yet
    jobs_full,         ///< max_jobs jobs are running (finished jobs are evicted oldest first; running ones never)
    unknown_job,       ///< no job with this id (never submitted, or forgotten/evicted)
    not_finished,      ///< upscale/variation/reroll of a job that has no finished grid
    invalid_index,     ///< an image index outside 1..4
    invalid_prompt,    ///< an empty prompt, or one over 4000 bytes
    // ---- why a job failed ---------------------------------------------
    commands_unavailable, ///< the application commands could not be fetched, or have no "imagine"
    submit_failed,        ///< POST /interactions was refused (the HTTP status is in the action)
    invalid_parameter,    ///< Midjourney: "Invalid parameter" (and other red embeds naming the prompt)
    banned_prompt,        ///< Midjourney: "Banned prompt" / "Banned prompt detected"
    queue_full,           ///< Midjourney: "Queue full"
    action_needed,        ///< Midjourney: "Action needed to continue" (e.g. a captcha or terms to accept)
    pending_moderation,   ///< Midjourney: "Pending mod message"
    job_error,            ///< Midjourney: another error or warning embed (the title is in the action)
    timed_out,            ///< no result before the job's deadline
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::not_ready, "the Midjourney tracker is not ready (no READY or no commands yet)", condition::misuse},
    {errc::jobs_full, "too many Midjourney jobs running", condition::limit_exceeded},
    {errc::unknown_job, "no such Midjourney job", condition::misuse},
    {errc::not_finished, "the job has no finished image grid", condition::misuse},
    {errc::invalid_index, "image index must be 1 to 4", condition::misuse},
    {errc::invalid_prompt, "empty or over-long prompt", condition::misuse},
    {errc::commands_unavailable, "Midjourney application commands unavailable", condition::handshake_failed},
    {errc::submit_failed, "the interaction was refused", condition::protocol_violation},
    {errc::invalid_parameter, "Midjourney: invalid parameter", condition::invalid_data},
    {errc::banned_prompt, "Midjourney: banned prompt", condition::invalid_data},
    {errc::queue_full, "Midjourney: queue full", condition::limit_exceeded},
    {errc::action_needed, "Midjourney: action needed to continue", condition::handshake_failed},
    {errc::pending_moderation, "Midjourney: pending moderation", condition::invalid_data},
    {errc::job_error, "Midjourney reported an error", condition::protocol_violation},
    {errc::timed_out, "Midjourney job timed out", condition::timeout},
};

} // namespace detail

inline const std::error_category& midjourney_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.midjourney");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), midjourney_category()}; }

} // namespace sluice::midjourney

template <>
struct std::is_error_code_enum<sluice::midjourney::errc> : std::true_type {};
