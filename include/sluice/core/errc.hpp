#pragma once
// sluice/core/errc.hpp: the core layer's precise error codes.
//
// Returned by the core building blocks (nonce table, rate limiter, backoff,
// snowflake parsing). Each code compares equal to one coarse
// `sluice::condition`, so a caller can branch either way:
//
//     if (ec == sluice::core_errc::table_full) ...          // precise
//     if (ec == sluice::condition::limit_exceeded) ...      // coarse
//
// The enum is `core_errc` rather than `errc` so that code inside a layer
// namespace (`sluice::json`, whose own enum is `errc`) never picks the wrong
// one by unqualified lookup, and so that it never reads like `std::errc`.
//
// Includes: "error.hpp" for condition, code_entry and table_category;
// <system_error> for std::error_code and is_error_code_enum.
#include <system_error>

#include "error.hpp"

namespace sluice {

/// Precise errors of the core layer. 0 is never used (it means success).
enum class core_errc : int {
    // nonce_table
    table_full = 1,         ///< the pending table holds `capacity()` entries; nothing was inserted
    duplicate_key,          ///< a pending entry already has this key; nothing was inserted
    unknown_key,            ///< no pending entry has this key (never inserted, resolved, cancelled or timed out)
    // rate limiter
    rate_limited,           ///< the send would exceed the window's limit; nothing was counted
    // backoff
    gave_up,                ///< the maximum number of attempts was used up; reset() after a success
    // snowflake parsing and formatting
    invalid_snowflake,      ///< the text is empty or holds something other than the digits 0-9
    snowflake_out_of_range, ///< the digits denote a number above 2^64 - 1
    buffer_too_small,       ///< the caller's output buffer cannot hold the result; nothing useful was written
    // any configuration struct
    invalid_config,         ///< a configuration value is out of range (see the struct's validate())
};

namespace detail {

inline constexpr code_entry<core_errc> core_errc_table[] = {
    {core_errc::table_full, "pending table is full", condition::limit_exceeded},
    {core_errc::duplicate_key, "a pending entry with this key already exists", condition::misuse},
    {core_errc::unknown_key, "no pending entry with this key", condition::invalid_data},
    {core_errc::rate_limited, "rate limited: the send would exceed the window's limit", condition::limit_exceeded},
    {core_errc::gave_up, "gave up: maximum number of attempts reached", condition::limit_exceeded},
    {core_errc::invalid_snowflake, "snowflake is not a non-empty string of decimal digits", condition::invalid_data},
    {core_errc::snowflake_out_of_range, "snowflake does not fit in 64 bits", condition::invalid_data},
    {core_errc::buffer_too_small, "output buffer too small", condition::misuse},
    {core_errc::invalid_config, "configuration value out of range", condition::misuse},
};

} // namespace detail

/// The category of `core_errc` (name "sluice.core"); one object per program.
inline const std::error_category& core_category() noexcept {
    static const detail::table_category<core_errc, detail::core_errc_table> cat("sluice.core");
    return cat;
}

inline std::error_code make_error_code(core_errc e) noexcept { return {static_cast<int>(e), core_category()}; }

} // namespace sluice

template <>
struct std::is_error_code_enum<sluice::core_errc> : std::true_type {};
