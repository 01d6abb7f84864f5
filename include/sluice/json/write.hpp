#pragma once
// sluice/json/write.hpp: typed values into compact JSON text, appended to a
// buffer the caller owns and reuses.
//
//     std::string buf;                       // kept across messages
//     buf.clear();                           // write() appends
//     if (auto ec = sluice::json::write(identify, buf)) ...
//
// Output: no whitespace; object fields in declaration (or meta<T>::members)
// order under their reflected names; an empty std::optional field is left
// out (an empty optional elsewhere, e.g. in an array, is null); integers in
// decimal; floating point in the shortest form that reads back to the same
// value (std::to_chars); strings with '"', '\\' and control characters
// escaped (\n, \t, ... or \u00XX), other UTF-8 copied as is; json::raw copied
// verbatim (null when empty); enums as read() reads them. Types as in
// read.hpp. Once `out` has the capacity, no allocation happens.
//
// Includes: <array>, <charconv> for to_chars, <cmath> for isfinite,
// <cstddef>, <cstdint>, <cstring> for memcpy, <optional>, <string>, <string_view>, <system_error>,
// <type_traits>, <utility>, <vector>; reflect for fields and enum names;
// json/ for errors, raw, the scans, the type traits and plain_name (keys.hpp).
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
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
#include <sluice/json/detail/scan.hpp>
#include <sluice/json/detail/traits.hpp>
#include <sluice/json/error.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/reflect/enum.hpp>
#include <sluice/reflect/fields.hpp>

namespace sluice::json {

namespace detail {

/// Where write() puts its text: a block on the stack, appended to the
/// caller's string when full and at the end, so that each piece (a brace, a
/// key, a number) is a few stores, not a call into std::string. The block
/// is zeroed once, so whole-block scans of it read only written bytes.
class sink {
public:
    static constexpr std::size_t capacity = 512;
    explicit sink(std::string& out) noexcept : out_(out) {}
    sink(const sink&) = delete;
    sink& operator=(const sink&) = delete;

    void put(char c) {
        if (used_ == capacity) flush();
        buf_[used_++] = c;
    }
    void put(const char* p, std::size_t n) {
        if (n > capacity - used_) {
            flush();
            if (n > capacity) {
                out_.append(p, n);
                return;
            }
        }
        std::memcpy(buf_ + used_, p, n);
        used_ += n;
    }
    void put(std::string_view s) { put(s.data(), s.size()); }
    /// `n` bytes of room at the end of the block (n <= capacity): where to write them.
    char* room(std::size_t n) {
        if (n > capacity - used_) flush();
        return buf_ + used_;
    }
    void commit(std::size_t n) noexcept { used_ += n; }
    /// Appends what the block holds to the caller's string.
    void flush() {
        out_.append(buf_, used_);
        used_ = 0;
    }

private:
    std::string& out_;
    std::size_t used_ = 0;
    char buf_[capacity] = {};
};

/// write_string for any string: escapes, non-ASCII checked, long ones.
inline errc write_string_general(std::string_view s, sink& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out.put('"');
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;
    for (;;) {
        p = find<stop::string_special>(p, end);
        if (p == end) break;
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x80) { // UTF-8 passes through once checked
            const std::size_t n = utf8_sequence(p, end);
            if (n == 0) return errc::invalid_utf8;
            p += n;
            continue;
        }
        out.put(run, static_cast<std::size_t>(p - run));
        char esc[6] = {'\\', static_cast<char>(c), 0, 0, 0, 0};
        std::size_t len = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default: // other control characters
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        out.put(esc, len);
        run = ++p;
    }
    out.put(run, static_cast<std::size_t>(end - run));
    out.put('"');
    return errc{};
}

/// The longest string write_string takes whole (names, ids, dates, tokens).
inline constexpr std::size_t short_string = 128;

/// Whether any of the first n (<= short_string) bytes at p is one a string
/// must escape or check (quote, backslash, control, non-ASCII); the
/// short_string bytes at p must be readable. Whole blocks of the widest
/// backend, the last one masked to n: no tail steps.
template <class Backend = best_backend>
bool short_has_special(const char* p, std::size_t n) noexcept {
    if constexpr (Backend::width >= 16 && Backend::shift == 0) {
        for (std::size_t i = 0; i < n; i += Backend::width) {
            std::uint64_t m = Backend::template mask<stop::string_special>(p + i);
            if (n - i < Backend::width) m &= (std::uint64_t{1} << (n - i)) - 1;
            if (m != 0) return true;
        }
        return false;
    } else {
        return find<stop::string_special, Backend>(p, p + n) != p + n;
    }
}

/// Writes `s` as a JSON string. Error: invalid_utf8. A short string with
/// nothing to escape (the usual case) is copied with its quotes straight
/// into the block and checked there in whole blocks.
inline errc write_string(std::string_view s, sink& out) {
    if (s.size() <= short_string) {
        char* at = out.room(1 + short_string + 1); // the block has short_string readable bytes after the quote
        at[0] = '"';
        std::memcpy(at + 1, s.data(), s.size());
        if (!short_has_special(at + 1, s.size())) {
            at[s.size() + 1] = '"';
            out.commit(s.size() + 2);
            return errc{};
        }
    }
    return write_string_general(s, out);
}

template <class T>
errc write_value(const T& v, sink& out);

// `{"name":` (first) or `,"name":` for field I of T, made at compile time;
// names need no escaping.
template <class T, std::size_t I>
struct quoted_key {
    static constexpr std::string_view name = reflect::field_name<T, I>;
    static_assert(plain_name(name), "sluice::json: a field name needs escaping; rename it in meta<T>::renames");
    static constexpr auto chars = [] {
        std::array<char, name.size() + 4> a{};
        a[0] = ',';
        a[1] = '"';
        for (std::size_t i = 0; i < name.size(); ++i) a[i + 2] = name[i];
        a[name.size() + 2] = '"';
        a[name.size() + 3] = ':';
        return a;
    }();
};

template <class T, std::size_t... I>
errc write_object(const T& v, sink& out, std::index_sequence<I...>) {
    out.put('{');
    bool first = true;
    errc e{};
    const auto field = [&]<std::size_t J>(const auto& f, std::integral_constant<std::size_t, J>) {
        if (e != errc{}) return;
        if constexpr (is_optional<std::remove_cvref_t<decltype(f)>>::value)
            if (!f) return;
        constexpr auto& key = quoted_key<T, J>::chars;
        if constexpr (J == 0) {
            out.put(key.data() + 1, key.size() - 1); // the first field: always first
        } else {
            out.put(key.data() + first, key.size() - first);
        }
        first = false;
        e = write_value(f, out);
    };
    (field(reflect::get<I>(v), std::integral_constant<std::size_t, I>{}), ...);
    static_cast<void>(field); // a struct without fields
    out.put('}');
    return e;
}

template <class Range>
errc write_array(const Range& v, sink& out) {
    out.put('[');
    bool first = true;
    for (const auto& element : v) {
        if (!first) out.put(',');
        first = false;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(element)>, bool>) {
            if (const errc e = write_value(static_cast<bool>(element), out); e != errc{}) return e;
        } else {
            if (const errc e = write_value(element, out); e != errc{}) return e;
        }
    }
    out.put(']');
    return errc{};
}

template <class T>
errc write_value(const T& v, sink& out) {
    if constexpr (std::is_same_v<T, bool>) {
        out.put(v ? std::string_view("true") : std::string_view("false"));
        return errc{};
    } else if constexpr (char_type<T>) {
        static_assert(!char_type<T>, "sluice::json::write: a char is ambiguous; use std::int8_t or std::string");
        return errc::type_mismatch;
    } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
        if constexpr (std::is_floating_point_v<T>)
            if (!std::isfinite(v)) return errc::non_finite_number;
        char* at = out.room(64); // to_chars writes in place: 20 digits and a sign, or the shortest double
        const auto r = std::to_chars(at, at + 64, v);
        out.commit(static_cast<std::size_t>(r.ptr - at));
        return errc{};
    } else if constexpr (std::is_enum_v<T>) {
        if constexpr (reflect::named_enum<T>) {
            const std::string_view name = reflect::enum_name(v);
            if (name.empty()) return errc::unknown_enumerator;
            return write_string(name, out);
        } else {
            return write_value(static_cast<std::underlying_type_t<T>>(v), out);
        }
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
        return write_string(v, out);
    } else if constexpr (std::is_same_v<T, raw>) {
        out.put(v.text.empty() ? std::string_view("null") : v.text);
        return errc{};
    } else if constexpr (is_optional<T>::value) {
        if (!v) {
            out.put(std::string_view("null"));
            return errc{};
        }
        return write_value(*v, out);
    } else if constexpr (is_vector<T>::value || is_std_array<T>::value) {
        return write_array(v, out);
    } else if constexpr (string_coded<T>) {
        const auto text = to_chars(v);
        return write_string(std::string_view(text), out);
    } else if constexpr (reflect::reflectable<T>) {
        return write_object(v, out, std::make_index_sequence<reflect::field_count<T>>{});
    } else {
        static_assert(reflect::reflectable<T>, "sluice::json::write: unsupported type (see the list in read.hpp)");
        return errc::type_mismatch;
    }
}

} // namespace detail

/// Appends the JSON form of `value` to `out` (clear `out` first to reuse it).
/// Errors, after which `out` is back to its size before the call:
/// non_finite_number (NaN or infinity), invalid_utf8 (a string is not UTF-8),
/// unknown_enumerator (an enum value missing from meta<E>::enumerators).
template <class T>
std::error_code write(const T& value, std::string& out) {
    const std::size_t mark = out.size();
    detail::sink k(out);
    if (const errc e = detail::write_value(value, k); e != errc{}) {
        out.resize(mark); // what the block had flushed already; the rest is dropped with it
        return e;
    }
    k.flush();
    return {};
}

} // namespace sluice::json
