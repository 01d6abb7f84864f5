#pragma once
// sluice/json/detail/traits.hpp: how read() and write() classify a type.
//
// Includes: <array>, <optional>, <vector> for the specializations; <concepts>,
// <string_view>, <system_error>, <type_traits> for string_coded.
#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace sluice::json::detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

/// Character types, which JSON cannot tell from numbers or strings: refused.
template <class T>
concept char_type = std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
                    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

// Types written as strings through their own text form (sluice::snowflake),
// found by argument-dependent lookup only (these poison pills hide the rest).
void from_chars() = delete;
void to_chars() = delete;

/// A class with `from_chars(std::string_view, T&) -> std::error_code` and
/// `to_chars(const T&)` (convertible to std::string_view) found by ADL.
template <class T>
concept string_coded = std::is_class_v<T> && requires(std::string_view s, T& v, const T& c) {
    { from_chars(s, v) } -> std::same_as<std::error_code>;
    { to_chars(c) } -> std::convertible_to<std::string_view>;
};

} // namespace sluice::json::detail
