#pragma once
// sluice/reflect/fields.hpp: compile-time field count, field names and field
// access of aggregates (no macros), or of any type through meta<T>::members.
//
//     struct author { std::string_view id; std::string_view username; bool bot; };
//     static_assert(sluice::reflect::field_count<author> == 3);
//     static_assert(sluice::reflect::field_name<author, 1> == "username");
//     sluice::reflect::get<2>(a) = true;
//     sluice::reflect::visit_fields(a, [](auto&... field) { ... });
//
// How: the field count is the largest N for which `T{x1, ..., xN}` compiles
// with an `x` that converts to anything (a nested aggregate takes one slot;
// only a C array would be brace-elided, and that is detected and refused). The
// fields are reached by structured bindings (detail/tie.hpp, up to 64). A
// field's name is read from __PRETTY_FUNCTION__ of a function templated on the
// address of that field inside an object used only at compile time (a
// constexpr union; for a T that is not a literal type, an `extern` object
// never defined, so such a T needs external linkage: not local to a function
// nor in an unnamed namespace).
// Works with GCC 12 and Clang 16 (tests/reflect checks both).
//
// Unsupported aggregates are refused with a static_assert that says why: C
// array members (use std::array), base classes, reference members, members
// that are not default-constructible, unions, more than 64 fields. Each of
// those can still be reflected by listing its members in meta<T>::members.
//
// Includes: <array> for field_names; <cstddef>; <exception> for
// std::terminate (in functions never called); <string_view> for names;
// <type_traits> and <utility> (index_sequence) for the counting; meta.hpp for
// the customization point; detail/tie.hpp for the generated bindings.
#include <array>
#include <cstddef>
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detail/tie.hpp"
#include "meta.hpp"

namespace sluice::reflect {

namespace detail {

// Converts to (a reference to) anything: one initializer slot of any member.
// Used in unevaluated operands only; defined (never called) because Clang
// wants a definition when U has no linkage.
struct any_field {
    template <class U>
    [[noreturn]] operator U&() const noexcept {
        std::terminate();
    }
};
template <std::size_t>
using any_field_t = any_field;

// Converts to any non-const value, so it cannot bind an lvalue reference or
// a reference to const: it finds reference members.
struct any_value {
    template <class U>
        requires(!std::is_const_v<U>)
    [[noreturn]] operator U() const noexcept {
        std::terminate();
    }
};
template <std::size_t>
using any_value_t = any_value;

// Converts only to a proper base class of T: finds base classes.
template <class T>
struct any_base_of {
    template <class B>
        requires(std::is_base_of_v<B, T> && !std::is_same_v<B, T>)
    [[noreturn]] operator B&() const noexcept {
        std::terminate();
    }
};

template <class T, template <std::size_t> class A, std::size_t... I>
constexpr bool init_with(std::index_sequence<I...>) {
    return requires { T{A<I>{}...}; };
}

inline constexpr std::size_t not_countable = static_cast<std::size_t>(-1);

// Largest K <= max_fields + 1 such that T{x1..xK} compiles (skipping leading
// failures: a member without default initialization must be given one).
template <class T, std::size_t K = 0, bool Seen = false>
consteval std::size_t flat_count() {
    if constexpr (K > max_fields + 1)
        return Seen ? K - 1 : not_countable;
    else if constexpr (init_with<T, any_field_t>(std::make_index_sequence<K>{}))
        return flat_count<T, K + 1, true>();
    else if constexpr (Seen)
        return K - 1;
    else
        return flat_count<T, K + 1, false>();
}

// Largest K <= Max such that T{{}, ... K times} compiles, or not_countable.
template <class T, std::size_t Max, std::size_t K = 0>
consteval std::size_t braced_count() {
    if constexpr (!brace_init<T, K>())
        return K == 0 ? not_countable : K - 1;
    else if constexpr (K == Max)
        return K;
    else
        return braced_count<T, Max, K + 1>();
}

template <class T>
concept has_member_list = requires { typename meta<T>::members; };

template <class T>
concept has_renames = requires { meta<T>::renames; };

template <class>
inline constexpr bool always_false = false;

// Field count of an aggregate after checking that it can be reflected; 0 (and
// a static_assert that says why) when it cannot, so no further errors follow.
template <class T>
consteval std::size_t aggregate_field_count() {
    if constexpr (std::is_union_v<T>) {
        static_assert(always_false<T>, "sluice::reflect: a union cannot be reflected (which member is active?)");
        return 0;
    } else if constexpr (!std::is_aggregate_v<T>) {
        static_assert(always_false<T>,
                      "sluice::reflect: T is not an aggregate (it has a constructor, private members or virtual "
                      "functions): list its members in sluice::reflect::meta<T>::members");
        return 0;
    } else if constexpr (requires { T{any_base_of<T>{}}; }) {
        static_assert(always_false<T>,
                      "sluice::reflect: T has a base class; aggregates with bases cannot be counted: list the "
                      "members (the base's too) in sluice::reflect::meta<T>::members");
        return 0;
    } else {
        constexpr std::size_t n = flat_count<T>();
        if constexpr (n == not_countable || n > max_fields) {
            static_assert(always_false<T>,
                          "sluice::reflect: T has more than 64 fields (or a member that cannot be copied): list "
                          "its members in sluice::reflect::meta<T>::members");
            return 0;
        } else if constexpr (!init_with<T, any_value_t>(std::make_index_sequence<n>{})) {
            static_assert(always_false<T>,
                          "sluice::reflect: T has a reference member; a reference cannot be reflected (hold a "
                          "pointer or a value)");
            return 0;
        } else if constexpr (constexpr std::size_t m = braced_count<T, n + 1>(); m == n) {
            return n;
        } else if constexpr (m == not_countable || (m < n && brace_init<T, m, any_field>())) {
            static_assert(always_false<T>,
                          "sluice::reflect: T has a member that is a reference or is not default-constructible");
            return 0;
        } else if constexpr (m > n) {
            static_assert(always_false<T>,
                          "sluice::reflect: T has a member that cannot be copied; list its members in "
                          "sluice::reflect::meta<T>::members");
            return 0;
        } else {
            static_assert(always_false<T>,
                          "sluice::reflect: T has a C array member (its elements look like fields): use std::array");
            return 0;
        }
    }
}

template <class T>
consteval std::size_t field_count_of() {
    if constexpr (has_member_list<T>)
        return meta<T>::members::size;
    else
        return aggregate_field_count<T>();
}

template <class T, class F, auto... Members>
constexpr decltype(auto) visit_listed(T& t, F&& f, member_list<Members...>) {
    return static_cast<F&&>(f)((t.*Members)...);
}

// pick<I>(p0, p1, ...) returns pI: the first I pointers bind to void pointers.
template <std::size_t>
using skip_t = const volatile void*;
template <std::size_t... S>
struct picker {
    template <class P, class... R>
    static constexpr P* pick(skip_t<S>..., P* p, R*...) noexcept {
        return p;
    }
};
template <std::size_t... S>
constexpr picker<S...> make_picker(std::index_sequence<S...>) noexcept {
    return {};
}
template <std::size_t I, class... P>
constexpr auto* pick(P*... p) noexcept {
    return decltype(make_picker(std::make_index_sequence<I>{}))::pick(p...);
}

} // namespace detail

/// The number of fields of T: the members of an aggregate, or the length of
/// meta<T>::members. An unsupported T fails to compile with a message.
template <class T>
inline constexpr std::size_t field_count = detail::field_count_of<std::remove_cv_t<T>>();

/// True for the class types whose fields can be visited: aggregates (checked
/// further by field_count) and types with meta<T>::members.
template <class T>
concept reflectable = std::is_class_v<std::remove_cv_t<T>> &&
                      (std::is_aggregate_v<std::remove_cv_t<T>> || detail::has_member_list<std::remove_cv_t<T>>);

/// Calls f(field0, field1, ...) with references to the fields of t, in
/// declaration order (or meta<T>::members order); returns what f returns.
template <class T, class F>
constexpr decltype(auto) visit_fields(T& t, F&& f) {
    using U = std::remove_cv_t<T>;
    if constexpr (detail::has_member_list<U>)
        return detail::visit_listed(t, static_cast<F&&>(f), typename meta<U>::members{});
    else
        return detail::visit_n<field_count<U>>(t, static_cast<F&&>(f));
}

/// A reference to field I of t.
template <std::size_t I, class T>
constexpr auto& get(T& t) noexcept {
    static_assert(I < field_count<T>, "sluice::reflect::get: field index out of range");
    return *visit_fields(t, [](auto&... field) { return detail::pick<I>(&field...); });
}

/// The type of field I of T.
template <class T, std::size_t I>
using field_type = std::remove_cvref_t<decltype(get<I>(std::declval<T&>()))>;

namespace detail {

template <class M>
struct member_address {
    const M* ptr;
};
template <class M>
constexpr member_address<M> address_of(const M* p) noexcept {
    return {p};
}

template <auto V>
consteval const char* pretty() {
    return __PRETTY_FUNCTION__;
}

// The identifier at the end of a __PRETTY_FUNCTION__: GCC prints
// "...[with auto V = member_address<int>{(& external<S>.S::name)}]", Clang
// "...[V = member_address<int>{&external.name}]"; a member pointer prints
// "...&S::name]" on both.
consteval std::string_view trailing_identifier(const char* s) {
    std::size_t e = std::string_view(s).size();
    while (e > 0 && (s[e - 1] == ']' || s[e - 1] == '}' || s[e - 1] == ')' || s[e - 1] == ' ')) --e;
    std::size_t b = e;
    while (b > 0) {
        const char c = s[b - 1];
        if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) break;
        --b;
    }
    return {s + b, e - b};
}

// An object whose members' addresses name the fields, at compile time only.
// A constexpr union when T allows one (a literal type: also works for types
// local to a function); otherwise an extern object that is never defined.
template <class T>
union fake_storage {
    char none;
    T value;
    constexpr fake_storage() noexcept : none{} {}
    constexpr ~fake_storage() {}
};
template <class T>
inline constexpr fake_storage<T> fake_object{};
// The union is a literal type (so can be constexpr) exactly when T is; C++20
// has no trait for that any more, both compilers keep the builtin.
template <class T>
concept literal_fake = __is_literal_type(T);

template <class T>
extern const T external;

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-var-template"
#endif
template <class T, std::size_t I>
consteval auto field_address() {
    constexpr auto address = [](const auto&... field) { return address_of(pick<I>(&field...)); };
    if constexpr (literal_fake<T>)
        return visit_n<field_count<T>>(fake_object<T>.value, address);
    else
        return visit_n<field_count<T>>(external<T>, address);
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

template <class T, std::size_t I>
consteval std::string_view declared_name_view() {
    if constexpr (has_member_list<T>)
        return [&]<auto... M>(member_list<M...>) {
            std::string_view names[] = {trailing_identifier(pretty<M>())...};
            return names[I];
        }(typename meta<T>::members{});
    else
        return trailing_identifier(pretty<field_address<T, I>()>());
}

// Names are copied out of __PRETTY_FUNCTION__ into a static array of their own.
template <std::size_t N>
struct fixed_chars {
    char data[N + 1];
};
template <class T, std::size_t I>
struct declared_name_storage {
    static constexpr std::size_t size = declared_name_view<T, I>().size();
    static constexpr fixed_chars<size> chars = [] {
        fixed_chars<size> out{};
        const std::string_view v = declared_name_view<T, I>();
        for (std::size_t i = 0; i < size; ++i) out.data[i] = v[i];
        return out;
    }();
};
template <class T, std::size_t I>
consteval std::string_view declared_name() {
    return {declared_name_storage<T, I>::chars.data, declared_name_storage<T, I>::size};
}

template <class T, std::size_t I>
consteval std::string_view key_of() {
    constexpr std::string_view name = declared_name<T, I>();
    if constexpr (has_renames<T>) {
        for (const rename& r : meta<T>::renames)
            if (r.member == name) return r.key;
    }
    return name;
}

template <class T>
consteval bool renames_match_members() {
    if constexpr (has_renames<T>) {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            for (const rename& r : meta<T>::renames)
                if (!((declared_name<T, I>() == r.member) || ...)) return false;
            return true;
        }(std::make_index_sequence<field_count<T>>{});
    }
    return true;
}

template <class T>
consteval auto make_field_names() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string_view, sizeof...(I)>{key_of<T, I>()...};
    }(std::make_index_sequence<field_count<T>>{});
}

template <std::size_t N>
consteval bool unique(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (names[i] == names[j]) return false;
    return true;
}

template <class T>
consteval auto checked_field_names() {
    static_assert(renames_match_members<T>(), "sluice::reflect: meta<T>::renames names a member T does not have");
    constexpr auto names = make_field_names<T>();
    static_assert(unique(names), "sluice::reflect: two fields of T have the same name (check meta<T>::renames)");
    return names;
}

} // namespace detail

/// The names of T's fields, renames applied (what JSON reads and writes).
template <class T>
inline constexpr auto field_names = detail::checked_field_names<std::remove_cv_t<T>>();

/// The name of field I of T, renames applied.
template <class T, std::size_t I>
inline constexpr std::string_view field_name = field_names<T>[I];

/// The declared name of member I of T, as written in the source (no renames).
template <class T, std::size_t I>
inline constexpr std::string_view member_name = detail::declared_name<std::remove_cv_t<T>, I>();

} // namespace sluice::reflect
