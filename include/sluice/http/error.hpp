#pragma once
// sluice/http/error.hpp: the error codes of the HTTP/1.1 layer.
//
// Every code compares equal to one coarse sluice::condition, so a caller can
// branch on `ec == sluice::condition::limit_exceeded` without listing codes.
//
// Includes: <system_error>, <type_traits>; core/error.hpp for the table category.
#include <system_error>
#include <type_traits>

#include <sluice/core/error.hpp>

namespace sluice::http {

/// Precise HTTP errors. Parser errors (from the peer) are protocol_violation or
/// limit_exceeded; writer errors (from the caller) are misuse.
enum class errc : int {
    bad_status_line = 1,   ///< the status line is not "HTTP/1.x SSS reason"
    bad_version,           ///< the version is not HTTP/1.0 or HTTP/1.1
    bad_status_code,       ///< the status code is not three digits in 100..599
    bad_header,            ///< a header line is malformed (no colon, bad name, control character)
    bad_line_ending,       ///< a line ends in a bare LF or holds a bare CR
    obsolete_line_folding, ///< a header line starts with whitespace (RFC 9112 §5.2 lets us reject it)
    bad_content_length,    ///< Content-Length is not a decimal number, or two of them disagree
    conflicting_framing,   ///< both Content-Length and Transfer-Encoding (a smuggling vector)
    bad_chunk_size,        ///< a chunk-size line is not hexadecimal, or overflows
    bad_chunk_end,         ///< chunk data is not followed by CRLF
    head_too_large,        ///< the status line and headers exceed the configured byte limit
    too_many_headers,      ///< more header lines than the configured limit
    body_too_large,        ///< the body exceeds the configured byte limit
    line_too_long,         ///< a chunk-size or trailer line exceeds the configured limit
    unexpected_eof,        ///< the transport ended in the middle of a response
    invalid_method,        ///< writer: the method is not an HTTP token
    invalid_target,        ///< writer: the request target is empty or holds whitespace or control characters
    invalid_header_name,   ///< writer: a header name is not an HTTP token
    invalid_header_value,  ///< writer: a header value holds CR, LF or another control character
};

namespace detail {
inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::bad_status_line, "malformed HTTP status line", condition::protocol_violation},
    {errc::bad_version, "unsupported HTTP version", condition::protocol_violation},
    {errc::bad_status_code, "malformed HTTP status code", condition::protocol_violation},
    {errc::bad_header, "malformed HTTP header line", condition::protocol_violation},
    {errc::bad_line_ending, "HTTP line not terminated by CRLF", condition::protocol_violation},
    {errc::obsolete_line_folding, "obsolete HTTP header line folding", condition::protocol_violation},
    {errc::bad_content_length, "invalid or conflicting Content-Length", condition::protocol_violation},
    {errc::conflicting_framing, "both Content-Length and Transfer-Encoding", condition::protocol_violation},
    {errc::bad_chunk_size, "malformed chunk size", condition::protocol_violation},
    {errc::bad_chunk_end, "chunk data not followed by CRLF", condition::protocol_violation},
    {errc::head_too_large, "HTTP head exceeds the size limit", condition::limit_exceeded},
    {errc::too_many_headers, "too many HTTP headers", condition::limit_exceeded},
    {errc::body_too_large, "HTTP body exceeds the size limit", condition::limit_exceeded},
    {errc::line_too_long, "chunk or trailer line exceeds the size limit", condition::limit_exceeded},
    {errc::unexpected_eof, "connection ended inside an HTTP response", condition::closed},
    {errc::invalid_method, "request method is not a token", condition::misuse},
    {errc::invalid_target, "request target is empty or has whitespace or control characters", condition::misuse},
    {errc::invalid_header_name, "header name is not a token", condition::misuse},
    {errc::invalid_header_value, "header value has a control character", condition::misuse},
};
} // namespace detail

/// The category of http::errc ("sluice.http").
inline const std::error_category& http_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.http");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), http_category()}; }

} // namespace sluice::http

template <>
struct std::is_error_code_enum<sluice::http::errc> : std::true_type {};
