#pragma once
// The fuzz input as a sequence of WebSocket messages: each record is one
// byte of flags (bit 0: binary), one byte of length, then that many bytes
// (the last record takes what is left). Shared by the engineio, socketio and
// navigator fuzzers.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fuzz_records {

struct record {
    bool binary;
    std::string_view bytes;
};

/// Calls f(record) for each record of `in`.
template <class F>
void for_each(std::string_view in, F&& f) {
    while (in.size() >= 2) {
        const auto flags = static_cast<unsigned char>(in[0]);
        std::size_t n = static_cast<unsigned char>(in[1]);
        in.remove_prefix(2);
        if (n > in.size()) n = in.size();
        f(record{(flags & 1) != 0, in.substr(0, n)});
        in.remove_prefix(n);
    }
}

} // namespace fuzz_records
