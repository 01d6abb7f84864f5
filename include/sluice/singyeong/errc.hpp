#pragma once
// sluice/singyeong/errc.hpp: the singyeong layer's precise error codes.
//
// Three families:
//  - caller misuse, returned by the call that was wrong (nothing changed): a
//    malformed DSN, a query that cannot be written, a reserved metadata key,
//    a request while the pending table is full;
//  - what the server said, carried by events (op 3 invalid, op 8 error, a
//    request answered with no_route);
//  - how a pending request ended without a reply (timed out, connection lost).
// Every code compares equal to one coarse sluice::condition.
//
// Includes: <system_error>; core/error.hpp for the table category and the
// coarse conditions.
#include <system_error>

#include <sluice/core/error.hpp>

namespace sluice::singyeong {

/// Precise errors of the singyeong layer. 0 is never used (it means success).
enum class errc : int {
    // DSN parsing (dsn.hpp)
    dsn_bad_scheme = 1,     ///< the DSN starts with neither singyeong:// nor ssingyeong://
    dsn_missing_app,        ///< no application id before the '@'
    dsn_missing_host,       ///< no host after the '@'
    dsn_bad_port,           ///< the port is not a number in 1..65535
    dsn_bad_encoding,       ///< ?encoding= names something other than json, etf or msgpack
    dsn_unsupported_encoding, ///< etf or msgpack: valid, but this client speaks JSON only
    dsn_trailing_garbage,   ///< something after the host, port, '/' and query that a DSN cannot hold
    // Routing queries (query.hpp)
    invalid_path,           ///< a metadata path that is empty, lacks the leading '/' or has an empty segment
    empty_list,             ///< $in or $nin with an empty list (it would match nothing or everything)
    empty_logical,          ///< $and, $or or $nor without operands
    not_expressible_in_v1,  ///< the query uses what v1 lacks (nested paths, path targets, selectors, logic across keys)
    missing_application,    ///< a v1 query needs `application`
    // Metadata and commands (metadata.hpp, client.hpp)
    reserved_metadata_key,  ///< a key the server owns (restricted, ip, encoding, namespace, ...)
    invalid_metadata,       ///< a metadata key or value the server would refuse (empty key, bad version, ...)
    metadata_full,          ///< the configured metadata capacity is used up
    invalid_name,           ///< an empty queue name or client/application id with spaces
    // What the server said
    server_invalid,         ///< op 3 invalid: the server refused a payload (the event carries its message)
    server_error,           ///< op 8 error: the server reports an unrecoverable error and disconnects
    no_route,               ///< the server found no client for a SEND, BROADCAST or QUEUE
    // Pending requests
    request_timeout,        ///< no reply within the request's deadline
    request_lost,           ///< the connection ended before the reply came
    request_cancelled,      ///< the caller cancelled the request
    unexpected_reply,       ///< a reply that matches no pending request
};

namespace detail {

inline constexpr sluice::detail::code_entry<errc> errc_table[] = {
    {errc::dsn_bad_scheme, "DSN scheme is not singyeong:// or ssingyeong://", condition::misuse},
    {errc::dsn_missing_app, "DSN has no application id", condition::misuse},
    {errc::dsn_missing_host, "DSN has no host", condition::misuse},
    {errc::dsn_bad_port, "DSN port is not a number in 1..65535", condition::misuse},
    {errc::dsn_bad_encoding, "DSN encoding is not json, etf or msgpack", condition::misuse},
    {errc::dsn_unsupported_encoding, "DSN encoding etf or msgpack is not supported (JSON only)", condition::misuse},
    {errc::dsn_trailing_garbage, "DSN has unexpected text after the host", condition::misuse},
    {errc::invalid_path, "metadata path must start with '/' and have no empty segment", condition::misuse},
    {errc::empty_list, "$in and $nin need a non-empty list", condition::misuse},
    {errc::empty_logical, "$and, $or and $nor need at least one operand", condition::misuse},
    {errc::not_expressible_in_v1, "the query cannot be written in the v1 form", condition::misuse},
    {errc::missing_application, "a v1 query needs an application", condition::misuse},
    {errc::reserved_metadata_key, "metadata key is reserved by the server", condition::misuse},
    {errc::invalid_metadata, "metadata key or value the server would refuse", condition::misuse},
    {errc::metadata_full, "metadata capacity used up", condition::limit_exceeded},
    {errc::invalid_name, "empty name or a name with spaces", condition::misuse},
    {errc::server_invalid, "the server refused a payload (op 3 invalid)", condition::protocol_violation},
    {errc::server_error, "the server reported an error (op 8)", condition::protocol_violation},
    {errc::no_route, "no client matches the routing query", condition::invalid_data},
    {errc::request_timeout, "no reply before the request's deadline", condition::timeout},
    {errc::request_lost, "the connection ended before the reply", condition::closed},
    {errc::request_cancelled, "the request was cancelled", condition::closed},
    {errc::unexpected_reply, "a reply that matches no pending request", condition::invalid_data},
};

} // namespace detail

/// The category of singyeong::errc (name "sluice.singyeong"); one object per program.
inline const std::error_category& singyeong_category() noexcept {
    static const sluice::detail::table_category<errc, detail::errc_table> cat("sluice.singyeong");
    return cat;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), singyeong_category()}; }

} // namespace sluice::singyeong

template <>
struct std::is_error_code_enum<sluice::singyeong::errc> : std::true_type {};
