// Fuzz validate(): never crashes or reads out of bounds, and agrees exactly
// (same error code) with a strict read of the text as one raw value, at the
// default depth and at a small one.
#include <sluice/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace json = sluice::json;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const std::uint32_t depth : {64u, 3u}) {
        json::validate_options v;
        v.max_depth = depth;
        json::read_options r;
        r.max_depth = depth;
        r.strict = true;
        json::raw value;
        const std::error_code a = json::validate(text, v);
        const std::error_code b = json::read(value, text, r);
        if (a != b) __builtin_trap();
        if (!a) {
            // The fast reader accepts it too, and keeps the same value.
            json::raw fast;
            r.strict = false;
            if (json::read(fast, text, r) || fast.text != value.text) __builtin_trap();
        }
    }
    return 0;
}
