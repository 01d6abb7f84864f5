#pragma once
// sluice/gateway/detail/frame_fields.hpp: small readers the protocols' frame
// parsers share (i386chat, singyeong, Nightingale): decimal ids, null
// checks, a hello's positive interval. Not for users.
//
// Includes: <cstdint>, <limits>, <optional>, <string_view>, <system_error>;
// json/raw.hpp and json/read.hpp (raw values, reading a body);
// gateway/errc.hpp (malformed_frame).
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

#include <sluice/gateway/errc.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>

namespace sluice::gateway::detail {

/// Decimal digits only (1 to 20 of them, no sign, no spaces) whose value
/// fits in 64 bits. False otherwise (`out` unchanged).
constexpr bool parse_decimal(std::string_view text, std::uint64_t& out) noexcept {
    if (text.empty() || text.size() > 20) return false;
    std::uint64_t v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

/// An id as JSON text: an integer, or a string of decimal digits (what
/// "Integer" ids become in some servers). False otherwise.
constexpr bool read_id(std::string_view text, std::uint64_t& out) noexcept {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    return parse_decimal(text, out);
}

/// Whether an optional raw JSON value is absent or null.
inline bool is_null(const std::optional<json::raw>& r) noexcept { return !r || r->text == "null"; }

/// Reads `d` (a JSON object) as `Body` and its `field` as a positive
/// interval (a hello's heartbeat interval). Errors: malformed_frame (d
/// empty, not a Body, or the field not above 0); `out` is unchanged then.
template <class Body>
std::error_code read_positive(std::string_view d, std::int64_t Body::*field, std::int64_t& out) {
    Body b{};
    if (d.empty() || json::read(b, d) || b.*field <= 0) return errc::malformed_frame;
    out = b.*field;
    return {};
}

} // namespace sluice::gateway::detail
