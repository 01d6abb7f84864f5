// Fuzz the HTTP response parser: any bytes, parsed whole and split at points
// chosen by the input itself, must give the same events, head and body, and
// stay within the limits.
#include <sluice/http/response_parser.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct result {
    std::string log; // events, statuses, header fields and body bytes, in order
    bool operator==(const result&) const = default;
};

constexpr sluice::http::parse_limits limits{512, 16, 4096, 64};

result parse(std::string_view data, std::size_t step) {
    sluice::http::response_parser p(limits);
    result r;
    bool failed = false;
    for (std::size_t at = 0; at < data.size() && !failed; at += step) {
        std::string_view in = data.substr(at, step);
        for (int guard = 0; guard < 100000; ++guard) {
            const auto s = p.parse(in);
            if (s.event == sluice::http::parse_event::need_more) {
                if (!in.empty()) std::abort(); // need_more means the input is used up
                break;
            }
            // Body pieces depend on the split; only their concatenation must not.
            if (s.event != sluice::http::parse_event::body) r.log += static_cast<char>('0' + static_cast<int>(s.event));
            if (s.event == sluice::http::parse_event::head) {
                if (p.status() < 100 || p.status() > 599 || p.header_count() > limits.max_headers) std::abort();
                r.log += std::to_string(p.status());
                for (std::size_t i = 0; i < p.header_count(); ++i) {
                    const auto f = p.header_at(i);
                    if (p.count(f.name) == 0) std::abort(); // case-insensitive lookup finds every field
                    r.log.append(f.name).append("=").append(f.value).append(";");
                }
            }
            if (s.event == sluice::http::parse_event::body) {
                if (s.body.empty()) std::abort();
                r.log.append(s.body);
            }
            if (s.event == sluice::http::parse_event::error) {
                r.log += p.error().message();
                failed = true;
                break;
            }
        }
    }
    if (!failed) {
        const auto s = p.finish();
        r.log += static_cast<char>('a' + static_cast<int>(s.event));
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t step = 1 + data[0] % 17;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const result whole = parse(input, input.size() + 1);
    const result split = parse(input, step);
    if (!(whole == split)) std::abort();
    return 0;
}
