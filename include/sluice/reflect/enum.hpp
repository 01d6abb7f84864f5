#pragma once
// sluice/reflect/enum.hpp: enums with names. An enum whose meta<E> has an
// `enumerators` table is read and written as a string; any other enum as its
// underlying integer (see meta.hpp).
//
// Includes: <concepts> for std::convertible_to; <string_view>; <type_traits>
// for std::is_enum; meta.hpp for the table.
#include <concepts>
#include <string_view>
#include <type_traits>

#include "meta.hpp"

namespace sluice::reflect {

/// True for an enum E with a meta<E>::enumerators table.
template <class E>
concept named_enum = std::is_enum_v<E> && requires {
    { meta<E>::enumerators[0].value } -> std::convertible_to<E>;
    { meta<E>::enumerators[0].name } -> std::convertible_to<std::string_view>;
};

/// The name of `value` in meta<E>::enumerators, or an empty view when the
/// table does not have it. The view is static (never dangles).
template <named_enum E>
constexpr std::string_view enum_name(E value) noexcept {
    for (const auto& e : meta<E>::enumerators)
        if (e.value == value) return e.name;
    return {};
}

/// Sets `out` to the enumerator called `name` and returns true; returns false
/// (and leaves `out` alone) when the table has no such name. Case-sensitive.
template <named_enum E>
constexpr bool enum_from_name(std::string_view name, E& out) noexcept {
    for (const auto& e : meta<E>::enumerators)
        if (e.name == name) {
            out = e.value;
            return true;
        }
    return false;
}

} // namespace sluice::reflect
