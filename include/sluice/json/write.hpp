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

/// write_string for any string: escapes, non-ASCII checked, long ones.
inline errc write_string_general(std::string_view s, std::string& out) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
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
        out.append(run, static_cast<std::size_t>(p - run));
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
        out.append(esc, len);
        run = ++p;
    }
    out.append(run, static_cast<std::size_t>(end - run));
    out.push_back('"');
    return errc{};
}

/// The longest string write_string takes whole (names, tokens, ids, dates).
inline constexpr std::size_t short_string = 64;

/// Whether any of the first n (<= short_string) bytes at p is one a string
/// must escape or check (quote, backslash, control, non-ASCII); the 64 bytes
/// at p must be readable. Whole blocks of the widest backend: no tail steps.
template <class Backend = best_backend>
bool short_has_special(const char* p, std::size_t n) noexcept {
    if constexpr (Backend::width >= 16 && Backend::shift == 0) {
        std::uint64_t m = 0;
        for (std::size_t i = 0; i < n; i += Backend::width)
            m |= std::uint64_t{Backend::template mask<stop::string_special>(p + i)} << i;
        return (n == 64 ? m : m & ((std::uint64_t{1} << n) - 1)) != 0;
    } else {
        return find<stop::string_special, Backend>(p, p + n) != p + n;
    }
}

/// Appends `s` as a JSON string. Error: invalid_utf8. A short string with
/// nothing to escape (the usual case) is copied with its quotes into a block
/// and appended in one call.
inline errc write_string(std::string_view s, std::string& out) {
    if (s.size() <= short_string) {
        char block[1 + short_string + 1] = {}; // the quotes and the string; zeroed: scanned as whole blocks
        block[0] = '"';
        std::memcpy(block + 1, s.data(), s.size());
        if (!short_has_special(block + 1, s.size())) {
            block[s.size() + 1] = '"';
            out.append(block, s.size() + 2);
            return errc{};
        }
    }
    return write_string_general(s, out);
}

template <class T>
errc write_value(const T& v, std::string& out);

// `,"name":` for field I of T, made at compile time; names need no escaping.
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
errc write_object(const T& v, std::string& out, std::index_sequence<I...>) {
    out.push_back('{');
    bool first = true;
    errc e{};
    const auto field = [&]<std::size_t J>(const auto& f, std::integral_constant<std::size_t, J>) {
        if (e != errc{}) return;
        if constexpr (is_optional<std::remove_cvref_t<decltype(f)>>::value)
            if (!f) return;
        constexpr auto& key = quoted_key<T, J>::chars;
        out.append(key.data() + first, key.size() - first);
        first = false;
        e = write_value(f, out);
    };
    (field(reflect::get<I>(v), std::integral_constant<std::size_t, I>{}), ...);
    static_cast<void>(field); // a struct without fields
    out.push_back('}');
    return e;
}

template <class Range>
errc write_array(const Range& v, std::string& out) {
    out.push_back('[');
    bool first = true;
    for (const auto& element : v) {
        if (!first) out.push_back(',');
        first = false;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(element)>, bool>) {
            if (const errc e = write_value(static_cast<bool>(element), out); e != errc{}) return e;
        } else {
            if (const errc e = write_value(element, out); e != errc{}) return e;
        }
    }
    out.push_back(']');
    return errc{};
}

template <class T>
errc write_value(const T& v, std::string& out) {
    if constexpr (std::is_same_v<T, bool>) {
        out.append(v ? std::string_view("true") : std::string_view("false"));
        return errc{};
    } else if constexpr (char_type<T>) {
        static_assert(!char_type<T>, "sluice::json::write: a char is ambiguous; use std::int8_t or std::string");
        return errc::type_mismatch;
    } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
        if constexpr (std::is_floating_point_v<T>)
            if (!std::isfinite(v)) return errc::non_finite_number;
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, static_cast<std::size_t>(r.ptr - buf));
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
        out.append(v.text.empty() ? std::string_view("null") : v.text);
        return errc{};
    } else if constexpr (is_optional<T>::value) {
        if (!v) {
            out.append("null");
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
    if (const errc e = detail::write_value(value, out); e != errc{}) {
        out.resize(mark);
        return e;
    }
    return {};
}

} // namespace sluice::json
