// fuzz_json_differential: sluice::json::validate() against a second
// implementation, nlohmann::json::accept(), on arbitrary bytes: both must
// accept or both refuse, except where RFC 8259 leaves the choice to the
// implementation and the two choose differently (intentional, listed here):
//  1. Numbers out of double's range ("1e400", a 400-digit integer):
//     RFC 8259 section 6 lets implementations limit the range; sluice
//     validates the grammar only and accepts them, nlohmann refuses them
//     (out_of_range.406 "number overflow"). Told apart by the error id of a
//     SAX parse.
//  2. A UTF-8 byte order mark before the value: section 8.1 says a parser
//     MAY ignore it; nlohmann skips it, sluice refuses it (the text is
//     compared again without the BOM).
//  3. Depth: sluice refuses nesting deeper than max_depth (at most 1024,
//     errc::depth_exceeded: a documented limit, section 9); nlohmann has
//     none. Such input is not compared.
//  4. A NUL byte where a token may start: nlohmann's lexer takes it for the
//     end of the input ("1\0e5" and "[]\0x" are accepted); RFC 8259 allows
//     no NUL outside strings and sluice refuses it. When nlohmann accepts
//     such text, sluice must accept the text before the first NUL.
// Everything else (UTF-8 in strings: overlong forms, surrogates, code points
// past U+10FFFF; escapes and surrogate pairs; control characters; number
// grammar; whitespace; trailing bytes) must agree.
#include <sluice/json/validate.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

// A SAX consumer that only records why nlohmann refused.
struct reason_sax {
    int error_id = 0;
    using json = nlohmann::json;
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const std::string&) { return true; }
    bool string(std::string&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool start_object(std::size_t) { return true; }
    bool key(std::string&) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
        error_id = ex.id;
        return false;
    }
};

constexpr int number_overflow = 406; // nlohmann's out_of_range.406

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace json = sluice::json;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool theirs = nlohmann::json::accept(text.begin(), text.end());
    // 2. nlohmann skips a leading BOM: compare sluice on the rest.
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    json::validate_options o;
    o.max_depth = 1024;
    const std::error_code ec = json::validate(text, o);
    if (ec == json::errc::depth_exceeded) return 0; // 3. sluice's documented limit
    const bool ours = !ec;
    if (ours == theirs) return 0;
    if (!ours) {
        // 4. nlohmann stops at a NUL byte.
        const std::size_t nul = text.find('\0');
        if (nul != std::string_view::npos && !json::validate(text.substr(0, nul), o)) return 0;
    } else {
        // 1. Numbers out of double's range.
        reason_sax sax;
        const std::string_view whole(reinterpret_cast<const char*>(data), size);
        (void)nlohmann::json::sax_parse(whole.begin(), whole.end(), &sax);
        if (sax.error_id == number_overflow) return 0;
    }
    std::fprintf(stderr, "sluice %s (%s), nlohmann %s\n", ours ? "accepts" : "refuses", ec.message().c_str(),
                 theirs ? "accepts" : "refuses");
    __builtin_trap();
}
