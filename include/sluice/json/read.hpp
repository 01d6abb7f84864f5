#pragma once
// sluice/json/read.hpp: JSON text into typed values, driven by reflection.
//
//     struct author { std::string_view id; std::string username; std::optional<bool> bot; };
//     author a;
//     sluice::json::error_info where;
//     if (auto ec = sluice::json::read(a, text, &where))
//         log(ec.message(), " at ", where.path);         // e.g. "id", "d.attachments[2].size"
//
// Supported types (and the JSON each accepts):
//   bool                       true / false
//   integers (not char)        a number without fraction or exponent, range-checked
//   float, double, long double any number; correctly rounded; underflow gives 0
//   std::string                a string, unescaped, UTF-8 checked
//   std::string_view           a string without escapes, pointing into the text (zero-copy);
//                              a string with escapes fails with errc::escaped_string_view
//                              (never wrong text): use std::string or json::raw for those
//   json::raw                  any value, kept as text (see raw.hpp)
//   std::optional<T>           null or T; a missing field leaves it empty
//   std::vector<T>             an array; elements already in the vector are reused (no
//                              reallocation of their strings once grown)
//   std::array<T, N>           an array of exactly N elements
//   enums                      their underlying integer, or a name when meta<E>::enumerators exists
//   types with ADL from_chars  a string given to `from_chars(std::string_view, T&) -> std::error_code`
//                              (sluice::snowflake)
//   reflected classes          an object: keys matched to fields (reflect/), unknown keys
//                              skipped, duplicate keys: the last wins
//
// A field whose type is not std::optional is required: a missing one fails
// with errc::missing_field. No allocation happens except inside std::string
// and std::vector targets, and none there once their capacity suffices (a
// vector grows with its JSON array: bound the text's size to bound memory).
// Reading recurses once a nesting level (at most read_options::max_depth).
//
// Includes: <array>, <cstdint>, <optional>, <string>, <string_view>, <vector>
// for the supported types; <bit> (bit_cast) and <cstring> (memcpy) for
// loads; <concepts> (same_as, for a type's quoted fast path); <system_error>;
// <type_traits>, <utility>; reflect for fields and
// enum names; json/ for errors, raw, keys, the scans,
// the type traits and the validator (strict skipping).
#include <array>
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <sluice/json/detail/keys.hpp>
#include <sluice/json/detail/number.hpp>
#include <sluice/json/detail/scan.hpp>
#include <sluice/json/detail/skip.hpp>
#include <sluice/json/detail/string.hpp>
#include <sluice/json/detail/traits.hpp>
#include <sluice/json/error.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/reflect/enum.hpp>
#include <sluice/reflect/fields.hpp>

namespace sluice::json {

struct read_options {
    /// Deepest nesting of objects and arrays accepted (the root container is
    /// depth 1); deeper input fails with errc::depth_exceeded. Reading a
    /// recursive type recurses once a level, so keep this modest.
    std::uint32_t max_depth = 64;
    /// Values read() does not decode (unknown keys, json::raw) are checked
    /// only for what skipping needs: strings closed, brackets balanced,
    /// numbers and literals well-formed. `strict` checks them as validate()
    /// does (grammar, escapes, UTF-8), so a successful read proves the whole
    /// text is JSON; it costs the time of a validate() of the skipped parts.
    bool strict = false;
};

namespace detail {

/// What the whole read shares. Readers take the position and return the
/// position after what they read, or null after recording an error here.
struct context {
    const char* end;
    std::uint32_t depth_left; // containers that may still be opened
    bool strict;
    errc error;
    const char* error_at;
    error_info* info; // null: no path is built
};

[[gnu::cold]] inline const char* fail(context& c, errc e, const char* at) noexcept {
    c.error = e;
    c.error_at = at;
    return nullptr;
}

// Cold: the path is built on the way out of an error only.
[[gnu::cold]] inline void prepend_key(error_info* info, std::string_view key) {
    if (!info) return;
    if (!info->path.empty() && info->path.front() != '[') info->path.insert(0, 1, '.');
    info->path.insert(0, key);
}

[[gnu::cold]] inline void prepend_index(error_info* info, std::size_t index) {
    if (!info) return;
    char buf[24];
    char* const e = buf + sizeof buf;
    char* b = e;
    *--b = ']';
    do *--b = static_cast<char>('0' + index % 10);
    while ((index /= 10) != 0);
    *--b = '[';
    if (!info->path.empty() && info->path.front() != '[') info->path.insert(0, 1, '.');
    info->path.insert(0, b, static_cast<std::size_t>(e - b));
}

// The value at p is not of the expected type: a type mismatch when it starts
// like a JSON value, else a syntax error.
[[gnu::cold]] inline const char* mismatch(context& c, const char* p) noexcept {
    switch (*p) {
    case '"': case '{': case '[': case 't': case 'f': case 'n': case '-':
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        return fail(c, errc::type_mismatch, p);
    default: return fail(c, errc::syntax, p);
    }
}

// Skips whitespace (compact JSON has none: one compare).
inline const char* skip_ws(const char* p, const char* end) noexcept {
    if (p != end && static_cast<unsigned char>(*p) <= ' ') skip_whitespace(p, end);
    return p;
}

// Skips whitespace to the next token; unexpected_end when there is none.
inline const char* next_token(context& c, const char* p) noexcept {
    p = skip_ws(p, c.end);
    return p != c.end ? p : fail(c, errc::unexpected_end, p);
}

// Out of line: whitespace between tokens is rare in gateway traffic.
[[gnu::noinline]] inline const char* next_token_slow(const char* p, context& c) noexcept { return next_token(c, p); }

// The next token, as next_token(), with one compare for compact JSON (inlined:
// it runs between every two tokens).
[[gnu::always_inline]] inline const char* separator(const char* p, context& c) noexcept {
    if (p != c.end && static_cast<unsigned char>(*p) > ' ') return p;
    return next_token_slow(p, c);
}

// The position after a shared scanner ran (which takes p by reference: call
// it in a statement of its own first), or null with its error.
inline const char* result(context& c, errc e, const char* p) noexcept { return e == errc{} ? p : fail(c, e, p); }

// A literal that is not at p: the error match_literal gives. Out of line.
template <std::size_t N>
[[gnu::noinline, gnu::cold]] const char* literal_error(const char* p, context& c, const char (&word)[N]) noexcept {
    const errc e = match_literal(p, c.end, word);
    return result(c, e, p);
}

// The literal `word` at p: the position after it, or null with the error
// (a word compare inline, the error out of line).
template <std::size_t N>
[[gnu::always_inline]] inline const char* read_literal(const char* p, context& c, const char (&word)[N]) noexcept {
    if (const char* q = skip_literal(p, c.end, word)) return q;
    return literal_error(p, c, word);
}

// Out of line, so that skip_value stays small where it is inlined.
[[gnu::noinline]] inline const char* skip_strict(const char* p, context& c) noexcept {
    const errc e = check_value(p, c.end, c.depth_left);
    return result(c, e, p);
}

[[gnu::noinline, gnu::flatten]] inline const char* skip_nested(const char* p, context& c) noexcept { // flatten: the skip inlined, its results in registers
    errc e{};
    const char* at = nullptr;
    const char* q = skip_container(p + 1, c.end, c.depth_left, e, at);
    return q ? q : fail(c, e, at);
}

/// Skips the value at p (p != end), checking it as read_options::strict says.
[[gnu::always_inline]] inline const char* skip_value_inline(const char* p, context& c) noexcept {
    if (c.strict) return skip_strict(p, c);
    switch (*p) {
    case '"': {
        ++p;
        const errc e = skip_string(p, c.end);
        return result(c, e, p);
    }
    case '{':
    case '[':
        if (c.depth_left == 0) return fail(c, errc::depth_exceeded, p);
        if (c.end - p >= 2 && p[1] == *p + 2) return p + 2; // "{}" or "[]": '}' - '{' == ']' - '[' == 2
        return skip_nested(p, c);
    case 't': return read_literal(p, c, "true");
    case 'f': return read_literal(p, c, "false");
    case 'n': return read_literal(p, c, "null");
    default: {
        if (*p != '-' && !is_digit(*p)) return fail(c, errc::syntax, p);
        number_parts ignored;
        const errc e = scan_number<false>(p, c.end, ignored);
        return result(c, e, p);
    }
    }
}

/// Skips the value at p (p != end), checking it as read_options::strict says.
inline const char* skip_value(const char* p, context& c) noexcept { return skip_value_inline(p, c); }

// The scans inlined into the object reader: 16-byte blocks where AVX2 is
// targeted (no 32-byte registers in the reader, so no vzeroupper before
// each of its calls); the same positions either way (scan.hpp).
#if defined(__AVX2__)
using inline_backend = sse2_backend;
#else
using inline_backend = best_backend;
#endif

/// skip_value() with the common case, a string, inlined at the call site
/// (unknown members and json::raw fields are mostly strings).
[[gnu::always_inline]] inline const char* skip_any(const char* p, context& c) noexcept {
    if (*p == '"' && !c.strict) {
        if (const char* q = skip_string_blocks<inline_backend>(p + 1, c.end)) return q;
    }
    return skip_value(p, c);
}

template <class T>
const char* read_value(T& out, const char* p, context& c);

inline const char* read_bool(bool& out, const char* p, context& c) noexcept {
    if (*p == 't') {
        out = true;
        return read_literal(p, c, "true");
    }
    if (*p == 'f') {
        out = false;
        return read_literal(p, c, "false");
    }
    return mismatch(c, p);
}

// What read_integer_fast leaves: the general path, its errors. Out of line.
template <class Int>
[[gnu::noinline]] const char* read_int_slow(Int& out, const char* p, context& c) noexcept {
    const char* q = p;
    const errc e = read_integer_slow(q, c.end, out);
    if (e == errc{}) return q;
    return e == errc::syntax ? mismatch(c, p) : fail(c, e, p);
}

template <class Int>
const char* read_int(Int& out, const char* p, context& c) noexcept {
    if (const char* q = read_integer_fast(p, c.end, out)) return q;
    return read_int_slow(out, p, c);
}

template <class F>
const char* read_float(F& out, const char* p, context& c) noexcept {
    if (*p != '-' && !is_digit(*p)) return mismatch(c, p);
    const char* q = p;
    number_parts n;
    if (const errc e = scan_number(q, c.end, n); e != errc{}) return fail(c, e, q);
    return result(c, to_floating(n, p, q, out), q);
}

// A string into std::string: unescaped and checked. Out of line: it appends.
[[gnu::noinline]] inline const char* read_string(std::string& out, const char* p, context& c) {
    if (*p != '"') return mismatch(c, p);
    ++p;
    out.clear();
    const errc e = walk_string(
        p, c.end, [&out](const char* first, const char* last) { out.append(first, static_cast<std::size_t>(last - first)); },
        [&out](std::uint32_t cp) {
            char utf8[4];
            out.append(utf8, encode_utf8(cp, utf8));
            return errc{};
        });
    return result(c, e, p);
}

// A string without escapes as a view into the text; checked.
inline const char* read_string_view(std::string_view& out, const char* p, context& c) noexcept {
    if (*p != '"') return mismatch(c, p);
    const char* const first = ++p;
    for (;;) {
        p = find<stop::string_special>(p, c.end);
        if (p == c.end) return fail(c, errc::unexpected_end, p);
        const auto ch = static_cast<unsigned char>(*p);
        if (ch == '"') break;
        if (ch == '\\') return fail(c, errc::escaped_string_view, p);
        if (ch < 0x20) return fail(c, errc::control_character, p);
        const std::size_t n = utf8_sequence(p, c.end);
        if (n == 0) return fail(c, errc::invalid_utf8, p);
        p += n;
    }
    out = std::string_view(first, static_cast<std::size_t>(p - first));
    return p + 1;
}

// A string decoded into buf[0, cap) (enum names, escaped keys): sets
// too_long, and keeps checking to the end of the string, when it does not fit.
[[gnu::noinline]] inline const char* read_short_string(char* buf, std::size_t cap, std::size_t& len, bool& too_long,
                                                       const char* p, context& c) noexcept {
    if (*p != '"') return mismatch(c, p);
    ++p;
    len = 0;
    too_long = false;
    const auto put = [&](const char* first, std::size_t n) noexcept {
        if (too_long || n > cap - len) {
            too_long = true;
            return;
        }
        for (std::size_t i = 0; i < n; ++i) buf[len++] = first[i];
    };
    const errc e = walk_string(
        p, c.end, [&](const char* first, const char* last) noexcept { put(first, static_cast<std::size_t>(last - first)); },
        [&](std::uint32_t cp) noexcept {
            char utf8[4];
            put(utf8, encode_utf8(cp, utf8));
            return errc{};
        });
    return result(c, e, p);
}

template <class E>
const char* read_enum(E& out, const char* p, context& c) {
    if constexpr (reflect::named_enum<E>) {
        char buf[64];
        std::size_t len = 0;
        bool too_long = false;
        const char* q = read_short_string(buf, sizeof buf, len, too_long, p, c);
        if (!q) return q;
        if (too_long || !reflect::enum_from_name(std::string_view(buf, len), out))
            return fail(c, errc::unknown_enumerator, p);
        return q;
    } else {
        std::underlying_type_t<E> v{};
        const char* q = read_int(v, p, c);
        if (q) out = static_cast<E>(v);
        return q;
    }
}

// The rare escaped form of a string-coded value: decoded first.
template <class T>
[[gnu::noinline]] const char* read_coded_escaped(T& out, const char* p, context& c) {
    std::string decoded;
    const char* q = read_string(decoded, p, c);
    if (!q) return q;
    if (from_chars(std::string_view(decoded), out)) return fail(c, errc::invalid_value, p);
    return q;
}

// A string-coded type's own fast path for its usual form, found by ADL:
// `from_quoted_chars(first, end, out)` with first just after the opening
// quote returns the position after the closing quote, or null to leave the
// string to the general path (which must then give the same value).
template <class T>
concept quoted_fast_path = requires(const char* p, T& v) {
    { from_quoted_chars(p, p, v) } -> std::same_as<const char*>;
};

// A string-coded value by its general path: the string up to its quote,
// then from_chars (a string with escapes decoded first).
template <class T>
const char* read_coded_string(T& out, const char* p, context& c) {
    // Plain ASCII up to the closing quote (ids, numbers as strings): one scan.
    if (const char* q = find<stop::string_special>(p + 1, c.end); q != c.end && *q == '"') {
        if (from_chars(std::string_view(p + 1, static_cast<std::size_t>(q - p - 1)), out)) return fail(c, errc::invalid_value, p);
        return q + 1;
    }
    std::string_view text;
    const char* q = read_string_view(text, p, c);
    if (!q) return c.error == errc::escaped_string_view ? read_coded_escaped(out, p, c) : q;
    if (from_chars(text, out)) return fail(c, errc::invalid_value, p);
    return q;
}

// read_coded_string out of line, behind a type's fast path: what the fast
// path leaves is rare, and inlined it would make the fast path save and
// restore registers on every call.
template <class T>
[[gnu::noinline]] const char* read_coded_slow(T& out, const char* p, context& c) {
    return read_coded_string(out, p, c);
}

// A value whose string may run to within 32 bytes of the end of the text
// (the last field): the fast path, then the general one. Out of line, as
// the fast path's own near-end handling would again cost the usual case
// saved registers.
template <class T>
[[gnu::noinline]] const char* read_coded_near_end(T& out, const char* p, context& c) {
    if (const char* q = from_quoted_chars(p + 1, c.end, out)) return q;
    return read_coded_string(out, p, c);
}

template <class T>
const char* read_coded(T& out, const char* p, context& c) {
    if (*p != '"') return mismatch(c, p);
    if constexpr (quoted_fast_path<T>) {
        // Same results either way; the split only keeps this path a leaf
        // (from_quoted_chars inlined here sees 32 readable bytes after the quote).
        const char* const first = p + 1;
        if (c.end - first < 32) return read_coded_near_end(out, p, c);
        if (const char* q = from_quoted_chars(first, c.end, out)) return q;
        return read_coded_slow(out, p, c);
    } else {
        return read_coded_string(out, p, c);
    }
}

// read_raw's general path: any value, skipped as read_options::strict says.
[[gnu::noinline]] inline const char* read_raw_slow(raw& out, const char* p, context& c) noexcept {
    const char* q = skip_value_inline(p, c);
    if (q) out.text = std::string_view(p, static_cast<std::size_t>(q - p));
    return q;
}

// A value kept as text; a string (the usual case) is found inline.
inline const char* read_raw(raw& out, const char* p, context& c) noexcept {
    if (*p == '"' && !c.strict) {
        if (const char* q = skip_string_blocks(p + 1, c.end)) {
            out.text = std::string_view(p, static_cast<std::size_t>(q - p));
            return q;
        }
    }
    return read_raw_slow(out, p, c);
}

template <class T>
const char* read_element(T& out, const char* p, context& c) {
    if constexpr (std::is_same_v<T, std::vector<bool>::reference>) {
        bool b = false;
        const char* q = read_value(b, p, c);
        out = b;
        return q;
    } else {
        return read_value(out, p, c);
    }
}

// Reads the elements of an array into `at(i)`; returns the count in `count`.
template <class At>
const char* read_elements(const char* p, context& c, std::size_t& count, At&& at) {
    if (*p != '[') return mismatch(c, p);
    if (c.depth_left == 0) return fail(c, errc::depth_exceeded, p);
    --c.depth_left;
    p = separator(p + 1, c);
    if (!p) return p;
    std::size_t i = 0;
    if (*p != ']') {
        for (;;) {
            auto* element = at(i);
            if (!element) return fail(c, errc::wrong_array_size, p);
            p = read_element(*element, p, c);
            if (!p) {
                prepend_index(c.info, i);
                return p;
            }
            ++i;
            if (!(p = separator(p, c))) return p;
            if (*p == ',') {
                if (!(p = separator(p + 1, c))) return p;
                continue;
            }
            if (*p == ']') break;
            return fail(c, errc::syntax, p);
        }
    }
    ++c.depth_left;
    count = i;
    return p + 1;
}

// An empty array ("[]", often sent for lists with nothing in them): the
// vector emptied, as read_elements would.
template <class V>
[[gnu::always_inline]] inline bool empty_array(V& out, const char* p, const context& c) {
    if (c.end - p < 2 || p[0] != '[' || p[1] != ']' || c.depth_left == 0) return false;
    out.clear();
    return true;
}

template <class V>
const char* read_vector(V& out, const char* p, context& c) {
    if (empty_array(out, p, c)) return p + 2;
    std::size_t n = 0;
    p = read_elements(p, c, n, [&out](std::size_t i) {
        if (i == out.size()) out.emplace_back();
        return &out[i];
    });
    if (p && n < out.size()) out.erase(out.begin() + static_cast<std::ptrdiff_t>(n), out.end());
    return p;
}

// std::vector<bool> hands out proxies: read through a pointer to one.
template <class A>
const char* read_vector(std::vector<bool, A>& out, const char* p, context& c) {
    if (empty_array(out, p, c)) return p + 2;
    std::size_t n = 0;
    std::optional<std::vector<bool>::reference> proxy;
    p = read_elements(p, c, n, [&](std::size_t i) {
        if (i == out.size()) out.push_back(false);
        proxy.emplace(out[i]);
        return &*proxy;
    });
    if (p) out.resize(n);
    return p;
}

template <class T, std::size_t N>
const char* read_array(std::array<T, N>& out, const char* p, context& c) {
    std::size_t n = 0;
    p = read_elements(p, c, n, [&out](std::size_t i) { return i < N ? &out[i] : nullptr; });
    return p && n != N ? fail(c, errc::wrong_array_size, p - 1) : p;
}

// colon() with whitespace around the colon, or an error.
[[gnu::noinline]] inline const char* colon_slow(const char* p, context& c) noexcept {
    if (!(p = separator(p, c))) return p;
    if (*p != ':') return fail(c, errc::syntax, p);
    return separator(p + 1, c);
}

// After a key: the colon, compact (`":v`) in one test.
[[gnu::always_inline]] inline const char* colon(const char* p, context& c) noexcept {
    if (c.end - p >= 2 && *p == ':' && static_cast<unsigned char>(p[1]) > ' ') return p + 1;
    return colon_slow(p, c);
}

// Calls f(std::integral_constant<std::size_t, I>{}) for I == index (index <
// N): a switch, which compiles to one indexed jump per 16 fields, where a
// chain of compares would cost one compare per field before the matched one.
template <std::size_t N, std::size_t Base = 0, class F>
[[gnu::always_inline]] inline void visit_index(std::size_t index, F&& f) {
    switch (index - Base) {
    case 0: if constexpr (Base + 0 < N) f(std::integral_constant<std::size_t, Base + 0>{}); return;
    case 1: if constexpr (Base + 1 < N) f(std::integral_constant<std::size_t, Base + 1>{}); return;
    case 2: if constexpr (Base + 2 < N) f(std::integral_constant<std::size_t, Base + 2>{}); return;
    case 3: if constexpr (Base + 3 < N) f(std::integral_constant<std::size_t, Base + 3>{}); return;
    case 4: if constexpr (Base + 4 < N) f(std::integral_constant<std::size_t, Base + 4>{}); return;
    case 5: if constexpr (Base + 5 < N) f(std::integral_constant<std::size_t, Base + 5>{}); return;
    case 6: if constexpr (Base + 6 < N) f(std::integral_constant<std::size_t, Base + 6>{}); return;
    case 7: if constexpr (Base + 7 < N) f(std::integral_constant<std::size_t, Base + 7>{}); return;
    case 8: if constexpr (Base + 8 < N) f(std::integral_constant<std::size_t, Base + 8>{}); return;
    case 9: if constexpr (Base + 9 < N) f(std::integral_constant<std::size_t, Base + 9>{}); return;
    case 10: if constexpr (Base + 10 < N) f(std::integral_constant<std::size_t, Base + 10>{}); return;
    case 11: if constexpr (Base + 11 < N) f(std::integral_constant<std::size_t, Base + 11>{}); return;
    case 12: if constexpr (Base + 12 < N) f(std::integral_constant<std::size_t, Base + 12>{}); return;
    case 13: if constexpr (Base + 13 < N) f(std::integral_constant<std::size_t, Base + 13>{}); return;
    case 14: if constexpr (Base + 14 < N) f(std::integral_constant<std::size_t, Base + 14>{}); return;
    case 15: if constexpr (Base + 15 < N) f(std::integral_constant<std::size_t, Base + 15>{}); return;
    default:
        if constexpr (Base + 16 < N) visit_index<N, Base + 16>(index, f);
        return;
    }
}

// Which fields an object held: one bit a field.
template <std::size_t N>
struct field_set {
    std::uint64_t words[(N + 63) / 64 + (N == 0)] = {};
    constexpr void add(std::size_t i) noexcept { words[i / 64] |= std::uint64_t{1} << (i % 64); }
    constexpr bool has(std::size_t i) const noexcept { return (words[i / 64] >> (i % 64)) & 1; }
};

// Reads the member whose key names field `index` of `out` and adds it to
// `seen`. When `known`, the key started at `key` and is the field's name
// verbatim followed by `":`, so the value starts at a compile-time offset (a
// predicted jump, not a load, sets the position); otherwise p is just past
// the key's closing quote.
template <class T>
[[gnu::always_inline]] inline const char* read_member(T& out, std::size_t index, bool known, const char* key, const char* p,
                                                      context& c, field_set<reflect::field_count<T>>& seen) {
    const char* q = nullptr;
    visit_index<reflect::field_count<T>>(index, [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        p = known ? separator(key + reflect::field_name<T, J>.size() + 2, c) : colon(p, c);
        if (p) q = read_value(reflect::get<J>(out), p, c);
        seen.add(J);
    });
    return q;
}

template <class T, std::size_t I>
inline constexpr bool optional_field = is_optional<std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>>::value;

// T's fields as a field_set: all of them, or the std::optional ones.
template <class T, bool OptionalOnly, std::size_t... I>
consteval field_set<sizeof...(I)> fields_of(std::index_sequence<I...>) {
    field_set<sizeof...(I)> s;
    ((!OptionalOnly || optional_field<T, I> ? s.add(I) : void()), ...);
    return s;
}

// At the end of an object: a missing required field is an error; a missing
// optional one is emptied (it may hold a value from an earlier read). Only
// the missing fields are visited, lowest index first.
template <class T>
bool check_fields(T& out, const field_set<reflect::field_count<T>> seen, context& c) { // seen by value: a register in the caller
    constexpr std::size_t n = reflect::field_count<T>;
    constexpr auto all = fields_of<T, false>(std::make_index_sequence<n>{});
    constexpr auto optional = fields_of<T, true>(std::make_index_sequence<n>{});
    for (std::size_t w = 0; w < std::size(all.words); ++w) {
        for (std::uint64_t missing = all.words[w] & ~seen.words[w]; missing != 0; missing &= missing - 1) {
            const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(missing));
            if (!optional.has(i)) {
                c.error = errc::missing_field;
                prepend_key(c.info, reflect::field_names<T>[i]);
                return false;
            }
            visit_index<n>(i, [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                if constexpr (optional_field<T, J>) reflect::get<J>(out).reset();
            });
        }
    }
    return true;
}

// A key read out of line: the position after it (null on an error) and its
// field's index, returned in registers (the caller's index stays out of memory).
struct key_read {
    const char* p;
    std::size_t index;
};

// A key with escapes (or any key in strict mode): decoded, checked and looked
// up. Out of line, so that its buffer is not on the stack of every level of
// a recursive read.
template <class T>
[[gnu::noinline]] key_read read_escaped_key(const char* p, context& c) {
    char buf[256 + 8]; // 8 spare bytes: find_field loads words
    std::size_t len = 0;
    bool too_long = false;
    if (!(p = read_short_string(buf, 256, len, too_long, p, c))) return {p, 0};
    return {p, too_long ? reflect::field_count<T> : find_field<T>(buf, len, buf + sizeof buf)};
}

inline std::uint16_t load16(const char* p) noexcept {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
inline constexpr std::uint16_t comma_quote = std::bit_cast<std::uint16_t>(std::array<char, 2>{',', '"'});

template <class T>
const char* read_object(T& out, const char* p, context& c) {
    constexpr std::size_t n = reflect::field_count<T>;
    static_assert(n < no_field, "sluice::json: at most 254 fields");
    static_assert(plain_names<T>(), "sluice::json: a field name needs escaping; rename it in meta<T>::renames");
    const char* const end = c.end;
    if (*p != '{') return mismatch(c, p);
    if (c.depth_left == 0) return fail(c, errc::depth_exceeded, p);
    --c.depth_left;
    if (!(p = separator(p + 1, c))) return p;
    field_set<n> seen;
    if (*p != '}') {
        if (*p != '"') return fail(c, errc::syntax, p);
        for (;;) {
            // The key (p is at its opening quote): a field name is recognized by its first bytes, anything else is scanned.
            const char* const key = p + 1;
            std::size_t index = c.strict ? n : match_known_key<T>(key, end);
            const bool known = index != n;
            if (!known) {
                p = find_near<stop::quote_or_escape, inline_backend>(key, end);
                if (p == end) return fail(c, errc::unexpected_end, p);
                if (*p == '"' && !c.strict) {
                    // A miss of a usable prefix table is final when it could look at the
                    // key and its colon (compact JSON); otherwise look the key up.
                    if (!prefix_table_of<T>.usable || end - key < 8 || end - p < 2 || p[1] != ':')
                        index = find_field<T>(key, static_cast<std::size_t>(p - key), end);
                    ++p;
                } else { // escaped (or strict)
                    const key_read k = read_escaped_key<T>(key - 1, c);
                    if (!(p = k.p)) return p;
                    index = k.index;
                }
            }
            // The value.
            if (index < n) {
                if (!(p = read_member(out, index, known, key, p, c, seen))) {
                    prepend_key(c.info, reflect::field_names<T>[index]);
                    return p;
                }
            } else if (!(p = colon(p, c)) || !(p = skip_any(p, c))) {
                return p;
            }
            // A comma and the next key's quote, or the closing brace.
            if (end - p >= 2 && load16(p) == comma_quote) {
                ++p;
                continue;
            }
            if (!(p = separator(p, c))) return p;
            if (*p == ',') {
                if (!(p = separator(p + 1, c))) return p;
                if (*p != '"') return fail(c, errc::syntax, p);
                continue;
            }
            if (*p == '}') break;
            return fail(c, errc::syntax, p);
        }
    }
    ++c.depth_left;
    ++p;
    if (!check_fields(out, seen, c)) {
        c.error_at = p;
        return nullptr;
    }
    return p;
}

template <class T>
const char* read_value(T& out, const char* p, context& c) {
    static_assert(!std::is_const_v<T>, "sluice::json::read: cannot read into a const member");
    if constexpr (std::is_same_v<T, bool>) {
        return read_bool(out, p, c);
    } else if constexpr (char_type<T>) {
        static_assert(!char_type<T>, "sluice::json::read: a char is ambiguous; use std::int8_t or std::string");
        return p;
    } else if constexpr (std::is_integral_v<T>) {
        return read_int(out, p, c);
    } else if constexpr (std::is_floating_point_v<T>) {
        return read_float(out, p, c);
    } else if constexpr (std::is_enum_v<T>) {
        return read_enum(out, p, c);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return read_string(out, p, c);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        return read_string_view(out, p, c);
    } else if constexpr (std::is_same_v<T, raw>) {
        return read_raw(out, p, c);
    } else if constexpr (is_optional<T>::value) {
        if (*p == 'n') {
            out.reset();
            return read_literal(p, c, "null");
        }
        if (!out) out.emplace();
        return read_value(*out, p, c);
    } else if constexpr (is_vector<T>::value) {
        return read_vector(out, p, c);
    } else if constexpr (is_std_array<T>::value) {
        return read_array(out, p, c);
    } else if constexpr (string_coded<T>) {
        return read_coded(out, p, c);
    } else if constexpr (reflect::reflectable<T>) {
        return read_object(out, p, c);
    } else {
        static_assert(reflect::reflectable<T>, "sluice::json::read: unsupported type (see the list in read.hpp)");
        return p;
    }
}

} // namespace detail

/// Reads the JSON text into `out`. On success returns an empty error code and
/// `out` holds the values (string_view and raw members point into `text`:
/// valid while it is). On failure `out` is partly written and the error is
/// one of: the validate() errors (the text is not JSON), depth_exceeded,
/// type_mismatch, number_out_of_range, missing_field, unknown_enumerator,
/// escaped_string_view, wrong_array_size, invalid_value. `info`, when given,
/// receives the byte offset and the field path (e.g. "d.author.id"; built only
/// on failure). The text must hold one value; anything but whitespace after it
/// is errc::trailing_content.
template <class T>
std::error_code read(T& out, std::string_view text, const read_options& options, error_info* info = nullptr) {
    const char* const end = text.data() + text.size();
    detail::context c{end, options.max_depth, options.strict, errc{}, nullptr, info};
    if (info) info->path.clear();
    const char* p = detail::next_token(c, text.data());
    if (p) p = detail::read_value(out, p, c);
    if (p && detail::skip_ws(p, end) != end) p = detail::fail(c, errc::trailing_content, detail::skip_ws(p, end));
    if (p) return {};
    if (info) info->offset = static_cast<std::size_t>(c.error_at - text.data());
    return c.error;
}

/// read() with the default options (depth 64, fast skipping).
template <class T>
std::error_code read(T& out, std::string_view text, error_info* info = nullptr) {
    return read(out, text, read_options{}, info);
}

} // namespace sluice::json
