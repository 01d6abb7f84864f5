#pragma once
// sluice/json/error.hpp: the json layer's precise error codes and the
// error_info that says where an error happened.
//
//     if (ec == sluice::json::errc::missing_field) ...        // precise
//     if (ec == sluice::condition::invalid_data) ...          // coarse
//
// Malformed JSON compares equal to condition::protocol_violation (the peer
// sent something that is not JSON), a configured limit to
// condition::limit_exceeded, and well-formed JSON that does not fit the
// target type to condition::invalid_data.
//
// Includes: <cstddef>; <string> for the error path; <system_error>;
// sluice/core/error.hpp for the category machinery and conditions.
#include <cstddef>
#include <string>
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::json {

/// Precise errors of validate(), read() and write(). 0 is success.
enum class errc : int {
    // Not JSON (condition::protocol_violation).
    unexpected_end = 1, ///< the text ended inside a value (or was empty)
    syntax,             ///< a character that cannot appear here
    invalid_number,     ///< a malformed number: leading zero, lone '-', '1.', '1e'
    invalid_escape,     ///< a bad '\' sequence in a string, or a lone UTF-16 surrogate
    control_character,  ///< an unescaped control character (below U+0020) in a string
    invalid_utf8,       ///< bytes that are not UTF-8 (overlong, surrogate, truncated, above U+10FFFF)
    trailing_content,   ///< something other than whitespace after the value
    // Limits (condition::limit_exceeded).
    depth_exceeded,     ///< objects and arrays nested deeper than the configured max_depth
    // Does not fit the target (condition::invalid_data).
    type_mismatch,       ///< the value has another type than the target (a string for an int, 1.5 for an int, ...)
    number_out_of_range, ///< the number does not fit the target type
    missing_field,       ///< a required (non-optional) field is absent
    unknown_enumerator,  ///< a string that names no enumerator of the target enum
    escaped_string_view, ///< a string with escapes read into std::string_view (use std::string or json::raw)
    wrong_array_size,    ///< a JSON array whose length differs from the target std::array
    invalid_value,       ///< a string the target type's from_chars() rejected (e.g. a snowflake)
    // write() (condition::invalid_data).
    non_finite_number,   ///< write() of NaN or infinity, which JSON cannot express
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::unexpected_end, "unexpected end of JSON text", condition::protocol_violation},
    {errc::syntax, "JSON syntax error", condition::protocol_violation},
    {errc::invalid_number, "malformed JSON number", condition::protocol_violation},
    {errc::invalid_escape, "invalid escape or lone surrogate in JSON string", condition::protocol_violation},
    {errc::control_character, "unescaped control character in JSON string", condition::protocol_violation},
    {errc::invalid_utf8, "invalid UTF-8", condition::protocol_violation},
    {errc::trailing_content, "content after the JSON value", condition::protocol_violation},
    {errc::depth_exceeded, "JSON nesting deeper than the limit", condition::limit_exceeded},
    {errc::type_mismatch, "JSON value has the wrong type for the target", condition::invalid_data},
    {errc::number_out_of_range, "JSON number out of range for the target", condition::invalid_data},
    {errc::missing_field, "required field missing", condition::invalid_data},
    {errc::unknown_enumerator, "string names no enumerator", condition::invalid_data},
    {errc::escaped_string_view, "string with escapes cannot be a string_view", condition::invalid_data},
    {errc::wrong_array_size, "JSON array length differs from the fixed-size target", condition::invalid_data},
    {errc::invalid_value, "string value rejected by the target type", condition::invalid_data},
    {errc::non_finite_number, "NaN or infinity cannot be written as JSON", condition::invalid_data},
};

} // namespace detail

/// The category of `errc` (name "sluice.json"); one object per program.
inline const std::error_category& json_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.json");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), json_category()}; }

/// Where an error happened; filled only when an error occurs, so passing one
/// costs nothing on success (and the path is built only then).
struct error_info {
    /// Byte offset into the text where the error was detected.
    std::size_t offset = 0;
    /// read(): the field path to the value at fault, e.g. "d.author.id" or
    /// "d.attachments[2].size"; for missing_field, the missing field's path.
    /// Empty for the root value and for validate().
    std::string path;
};

} // namespace sluice::json

template <>
struct std::is_error_code_enum<sluice::json::errc> : std::true_type {};
