#pragma once
// sluice/reflect/meta.hpp: the customization point of sluice reflection.
//
// Aggregates need nothing: their field count and names are found at compile
// time. Specialize `sluice::reflect::meta<T>` only to change that:
//
//     // Rename: member `data` is read from and written to key "d".
//     template <> struct sluice::reflect::meta<payload> {
//         static constexpr sluice::reflect::rename renames[] = {{"data", "d"}};
//     };
//
//     // A non-aggregate (or an aggregate with a base class, or a subset of an
//     // aggregate's members): list the members. Names come from the member
//     // pointers (`x_`), renames still apply. A private member needs
//     // `friend struct sluice::reflect::meta<point>;` in the class.
//     template <> struct sluice::reflect::meta<point> {
//         using members = sluice::reflect::member_list<&point::x_, &point::y_>;
//         static constexpr sluice::reflect::rename renames[] = {{"x_", "x"}, {"y_", "y"}};
//     };
//
//     // An enum as strings (without this, enums are their underlying integer).
//     template <> struct sluice::reflect::meta<color> {
//         static constexpr sluice::reflect::enumerator<color> enumerators[] = {
//             {color::red, "red"}, {color::green, "green"}};
//     };
//
// This header is cheap on purpose: a type's header can include it to declare
// its meta<> without pulling in the reflection machinery.
//
// Includes: <cstddef> for std::size_t; <string_view> for names.
#include <cstddef>
#include <string_view>

namespace sluice::reflect {

/// Customization point; the primary template is empty (no customization).
template <class T>
struct meta {};

/// One rename: the member declared as `member` is known by `key` (in JSON).
struct rename {
    std::string_view member;
    std::string_view key;
};

/// One named value of an enum that is read and written as a string.
template <class E>
struct enumerator {
    E value;
    std::string_view name;
};

/// The members of a type listed explicitly, as pointers to members, in the
/// order they are visited and written.
template <auto... Members>
struct member_list {
    static constexpr std::size_t size = sizeof...(Members);
};

} // namespace sluice::reflect
