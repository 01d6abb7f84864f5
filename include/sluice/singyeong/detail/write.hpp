#pragma once
// sluice/singyeong/detail/write.hpp: a float as 신경 wants it.
//
// Includes: <cmath> for isfinite, <string>, <string_view>; json/write.hpp.
#include <cmath>
#include <string>
#include <string_view>

#include <sluice/json/write.hpp>

namespace sluice::singyeong::detail {

/// Appends `v` in the shortest form that reads back the same, always with a
/// '.' or an exponent so that the reader sees a float (1.0, not 1): the
/// singyeong server checks `float` metadata with is_float. Returns false
/// (appending nothing) for NaN and infinities, which JSON cannot hold.
inline bool write_float(std::string& out, double v) {
    if (!std::isfinite(v)) return false;
    const std::size_t start = out.size();
    if (json::write(v, out)) return false;
    if (std::string_view(out).substr(start).find_first_of(".eE") == std::string_view::npos) out.append(".0");
    return true;
}

} // namespace sluice::singyeong::detail
