#pragma once
// sluice/nightingale/errc.hpp: the Nightingale layer's precise error codes.
//
// The server answers a refused upgrade with an HTTP status, which the client
// reports in a notice with one of these codes: 400 "Session not present"
// (the session expired or never existed), 409 "session taken" (another
// connection holds it), 401 (wrong or missing password), and 400 to a fresh
// connect (the server could not read the query). The rest are caller
// mistakes returned by the call that made them.
//
// Includes: <system_error>; core/error.hpp.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::nightingale {

/// Precise errors of the Nightingale layer. 0 is never used (it means success).
enum class errc : int {
    session_not_present = 1, ///< resume refused with 400: the server no longer has the session
    session_taken,           ///< resume refused with 409: another connection holds the session
    unauthorized,            ///< refused with 401: the Authorization password is wrong or missing
    not_an_object,           ///< a payload to send is not one JSON object
    invalid_id,              ///< an id that is neither an integer nor a string of digits
    unknown_type,            ///< an update_state or track event type the client does not know
    bad_request,             ///< a fresh connect refused with 400: the server could not read user_id or shards
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::session_not_present, "the server no longer has the session (400 Session not present)",
     condition::handshake_failed},
    {errc::session_taken, "another connection holds the session (409 session taken)", condition::handshake_failed},
    {errc::unauthorized, "the server refused the password (401)", condition::handshake_failed},
    {errc::not_an_object, "payload is not one JSON object", condition::misuse},
    {errc::invalid_id, "id is neither an integer nor a string of digits", condition::invalid_data},
    {errc::unknown_type, "unknown update_state or event type", condition::invalid_data},
    {errc::bad_request, "the server refused the connect URL (400: user_id or shards)", condition::handshake_failed},
};

} // namespace detail

/// The category of nightingale::errc (name "sluice.nightingale"); one object per program.
inline const std::error_category& nightingale_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.nightingale");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), nightingale_category()}; }

} // namespace sluice::nightingale

template <>
struct std::is_error_code_enum<sluice::nightingale::errc> : std::true_type {};
