#pragma once
// sluice/core/error.hpp: coarse error conditions shared by every layer.
//
// Each layer (json, http, ws, gateway, ...) has its own precise error enum and
// one std::error_category. Every precise code maps to one of the coarse
// conditions below, so a caller can branch coarsely:
//
//     if (ec == sluice::condition::protocol_violation) { ... }
//
// Includes: <system_error> only (error_code/error_category), <string> for
// message(), <string_view> for the code tables.
#include <string>
#include <string_view>
#include <system_error>

namespace sluice {

/// Coarse classes of failure; every precise sluice error code compares equal
/// to exactly one of these.
enum class condition : int {
    protocol_violation = 1, ///< the peer sent something the protocol forbids
    limit_exceeded,         ///< a configured limit (size, depth, count, rate) was hit
    timeout,                ///< a deadline passed (heartbeat, nonce, job)
    closed,                 ///< the connection or session is gone
    misuse,                 ///< the caller called something in the wrong state or with bad arguments
    handshake_failed,       ///< connecting, upgrading or identifying was refused
    invalid_data,           ///< well-formed input that does not match the expected shape or type
};

namespace detail {

class condition_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "sluice"; }
    std::string message(int c) const override {
        switch (static_cast<condition>(c)) {
        case condition::protocol_violation: return "protocol violation";
        case condition::limit_exceeded: return "limit exceeded";
        case condition::timeout: return "timed out";
        case condition::closed: return "closed";
        case condition::misuse: return "misuse";
        case condition::handshake_failed: return "handshake failed";
        case condition::invalid_data: return "invalid data";
        }
        return "unknown condition";
    }
};

/// One entry of a layer's code table: the precise code, its message and the
/// coarse condition it belongs to.
template <class Enum>
struct code_entry {
    Enum code;
    std::string_view message;
    condition coarse;
};

/// A std::error_category driven by a constexpr table; a layer writes
///     inline constexpr code_entry<errc> errc_table[] = {...};
///     using errc_category = table_category<errc, errc_table, "sluice.json">;
/// and gets name(), message() and the mapping to `condition` for free.
template <class Enum, const auto& Table>
class table_category final : public std::error_category {
public:
    explicit constexpr table_category(const char* name) noexcept : name_(name) {}
    const char* name() const noexcept override { return name_; }
    std::string message(int c) const override {
        for (const auto& e : Table)
            if (static_cast<int>(e.code) == c) return std::string(e.message);
        return "unknown error";
    }
    std::error_condition default_error_condition(int c) const noexcept override;

private:
    const char* name_;
};

} // namespace detail

/// The category of `sluice::condition`.
inline const std::error_category& condition_category() noexcept {
    static const detail::condition_category_impl cat;
    return cat;
}

inline std::error_condition make_error_condition(condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

template <class Enum, const auto& Table>
std::error_condition detail::table_category<Enum, Table>::default_error_condition(int c) const noexcept {
    for (const auto& e : Table)
        if (static_cast<int>(e.code) == c) return make_error_condition(e.coarse);
    return {c, *this};
}

} // namespace sluice

template <>
struct std::is_error_condition_enum<sluice::condition> : std::true_type {};
