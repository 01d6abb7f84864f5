#pragma once
// sluice/singyeong/query.hpp: typed 신경 routing queries, written as the v2
// JSON the server reads today or the v1 form of older servers.
//
//     using namespace sluice::singyeong;
//     query q;
//     q.application("workers")
//      .where("/region", op::in, {"eu", "us"})
//      .where(any_of(cond("/load", op::lt, 10), cond("/idle", op::eq, true)))
//      .select(selector::min, "load")
//      .droppable(true);
//     q.write(out);                    // {"application":"workers","droppable":true,"ops":[...],"selector":{"$min":"load"}}
//     q.write(out, query_form::v1);    // errc::not_expressible_in_v1: the $or spans two keys
//
// The v2 form (server since 2021): ops are {"path":"/k","op":"$eq","to":{"value":v}}
// or {"path":"/k","op":"$eq","to":{"path":"/j","default":v}} and logical ops
// {"op":"$and","with":[...]}; an optional selector {"$min"|"$max"|"$avg": key}.
// The v1 form (before): ops are {"k":{"$eq":v}}, logical ops apply to one key
// ({"k":{"$and":[{"$gt":1},{"$lt":5}]}}), there are no nested paths, no path
// targets and no selectors, and `application` is required.
//
// Mistakes are refused where they are made:
//  - a literal path is checked at compile time (`cond("load", ...)` does not
//    compile: a path starts with '/', and has no empty segment);
//  - a path known only at run time (path::runtime), an empty $in/$nin list,
//    an empty $and/$or/$nor or a NaN is remembered as the query's first
//    error; write() then returns it and writes nothing.
// Building a query allocates (its own buffer and node list); write() into a
// buffer with capacity does not, so a query built once can be sent forever.
//
// Includes: <cstddef>, <cstdint>, <concepts>, <initializer_list>, <string>,
// <string_view>, <system_error>, <vector>; json/write.hpp (strings and
// numbers, escaped once, when the query is built); singyeong/errc.hpp;
// singyeong/detail/write.hpp (floats).
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/json/write.hpp>
#include <sluice/singyeong/detail/write.hpp>
#include <sluice/singyeong/errc.hpp>

namespace sluice::singyeong {

/// Comparison ops: metadata value (left) against the query's value (right).
enum class op : std::uint8_t {
    eq,        ///< $eq: equal
    ne,        ///< $ne: not equal
    gt,        ///< $gt: greater
    gte,       ///< $gte: greater or equal
    lt,        ///< $lt: less
    lte,       ///< $lte: less or equal
    in,        ///< $in: the metadata value is in the query's (non-empty) list
    nin,       ///< $nin: the metadata value is not in the query's (non-empty) list
    contains,  ///< $contains: the metadata list contains the query's value
    ncontains, ///< $ncontains: the metadata list does not contain the query's value
};

/// Logical ops over a list of conditions.
enum class logic : std::uint8_t { and_, or_, nor };

/// Selectors pick one client among the matches by a numeric metadata key.
enum class selector : std::uint8_t { min, max, avg };

/// Which JSON form write() produces.
enum class query_form : std::uint8_t { v2, v1 };

constexpr std::string_view to_string(op o) noexcept {
    constexpr std::string_view names[] = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains", "$ncontains"};
    return names[static_cast<std::size_t>(o)];
}
constexpr std::string_view to_string(logic l) noexcept {
    constexpr std::string_view names[] = {"$and", "$or", "$nor"};
    return names[static_cast<std::size_t>(l)];
}
constexpr std::string_view to_string(selector s) noexcept {
    constexpr std::string_view names[] = {"$min", "$max", "$avg"};
    return names[static_cast<std::size_t>(s)];
}

namespace detail {
// Deliberately not constexpr: calling it in a consteval path constructor is
// what makes an invalid literal path a compile error.
void invalid_path_literal_a_path_starts_with_slash_and_has_no_empty_segment();
} // namespace detail

/// A metadata path ("/key", "/key/sub/0"): '/' then segments separated by
/// '/', none empty. A view: the text must outlive the call it is passed to.
class path {
public:
    /// A literal path, checked at compile time.
    consteval path(const char* literal) : text_(literal) { // NOLINT: implicit on purpose
        if (!valid(text_)) detail::invalid_path_literal_a_path_starts_with_slash_and_has_no_empty_segment();
    }
    /// A path known at run time; an invalid one makes the query it is added
    /// to fail with errc::invalid_path.
    static constexpr path runtime(std::string_view text) noexcept { return path(text, 0); }

    /// Whether `text` is a well-formed path.
    static constexpr bool valid(std::string_view text) noexcept {
        if (text.size() < 2 || text.front() != '/') return false;
        for (std::size_t i = 1; i < text.size(); ++i)
            if (text[i] == '/' && (text[i - 1] == '/' || i + 1 == text.size())) return false;
        return true;
    }
    constexpr bool valid() const noexcept { return valid(text_); }
    constexpr std::string_view str() const noexcept { return text_; }

private:
    constexpr path(std::string_view text, int) noexcept : text_(text) {}
    std::string_view text_;
};

/// A value in a query (or its list elements): null, a boolean, an integer, a
/// float, a string or pre-encoded JSON. A view: strings and lists must
/// outlive the call the value is passed to.
class value {
public:
    constexpr value(std::nullptr_t) noexcept : kind_(kind::null) {}
    constexpr value(bool b) noexcept : kind_(kind::boolean) { u_.b = b; }
    template <std::signed_integral I>
        requires(!std::same_as<I, char>)
    constexpr value(I i) noexcept : kind_(kind::integer) { u_.i = i; }
    template <std::unsigned_integral I>
        requires(!std::same_as<I, bool> && !std::same_as<I, char>)
    constexpr value(I i) noexcept : kind_(kind::unsigned_integer) { u_.u = i; }
    template <std::floating_point F>
    constexpr value(F f) noexcept : kind_(kind::number) { u_.d = static_cast<double>(f); }
    constexpr value(const char* s) noexcept : kind_(kind::string), text_(s) {}
    constexpr value(std::string_view s) noexcept : kind_(kind::string), text_(s) {}
    value(const std::string& s) noexcept : kind_(kind::string), text_(s) {}

    /// Pre-encoded JSON (a list or map of metadata), written as is. The
    /// caller guarantees it is one valid JSON value.
    static constexpr value json(std::string_view raw) noexcept {
        value v(nullptr);
        v.kind_ = kind::raw;
        v.text_ = raw;
        return v;
    }
    /// A JSON array of values (for $eq against a list, or lists in lists).
    static constexpr value list(std::initializer_list<value> items) noexcept {
        value v(nullptr);
        v.kind_ = kind::list;
        v.items_ = items.begin();
        v.count_ = items.size();
        return v;
    }

    /// Appends the JSON form. Returns false (appending nothing useful) for a
    /// NaN or infinite number, or a string that is not UTF-8.
    bool write(std::string& out) const {
        switch (kind_) {
        case kind::null: out.append("null"); return true;
        case kind::boolean: out.append(u_.b ? "true" : "false"); return true;
        case kind::integer: (void)json::write(u_.i, out); return true;
        case kind::unsigned_integer: (void)json::write(u_.u, out); return true;
        case kind::number: return detail::write_float(out, u_.d);
        case kind::string: return !json::write(text_, out);
        case kind::raw: out.append(text_); return true;
        case kind::list: {
            out.push_back('[');
            for (std::size_t i = 0; i < count_; ++i) {
                if (i) out.push_back(',');
                if (!items_[i].write(out)) return false;
            }
            out.push_back(']');
            return true;
        }
        }
        return false;
    }

private:
    enum class kind : std::uint8_t { null, boolean, integer, unsigned_integer, number, string, raw, list };
    kind kind_;
    union {
        bool b;
        std::int64_t i;
        std::uint64_t u;
        double d;
    } u_{};
    std::string_view text_;
    const value* items_ = nullptr;
    std::size_t count_ = 0;
};

class query;

/// One condition of a query: a comparison or a logical op over conditions.
/// Owns its text; cheap enough to build, not meant for a hot path.
class condition {
public:
    /// `path op value`, e.g. condition("/load", op::lt, 10).
    condition(path p, op o, value v) { add_compare(p, o, v); }
    /// `path op [values...]`, for $in and $nin (and list equality).
    condition(path p, op o, std::initializer_list<value> list) {
        if (list.size() == 0 && (o == op::in || o == op::nin)) fail(errc::empty_list);
        add_compare(p, o, value::list(list));
    }
    /// `path op (the value at other, or fallback when the client has none)`:
    /// compares two metadata keys of the same client (v2 only).
    condition(path p, op o, path other, value fallback) {
        if (!p.valid() || !other.valid()) fail(errc::invalid_path);
        node n{};
        n.kind = node_kind::compare_path;
        n.code = static_cast<std::uint8_t>(o);
        n.size = 1;
        put_string(n.a, p.str(), errc::invalid_path);
        put_string(n.b, other.str(), errc::invalid_path);
        const std::size_t at = pool_.size();
        if (!fallback.write(pool_)) fail(errc::invalid_metadata);
        n.c = {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(pool_.size() - at)};
        nodes_.push_back(n);
    }
    /// A logical op over `items`.
    condition(logic l, std::initializer_list<condition> items) {
        if (items.size() == 0) fail(errc::empty_logical);
        node n{};
        n.kind = node_kind::logical;
        n.code = static_cast<std::uint8_t>(l);
        n.size = 1;
        nodes_.push_back(n);
        for (const condition& c : items) append(c);
        nodes_[0].size = static_cast<std::uint32_t>(nodes_.size());
    }

    /// The first mistake made building this condition, if any.
    std::error_code error() const noexcept { return error_; }

private:
    friend class query;
    enum class node_kind : std::uint8_t { compare, compare_path, logical };
    struct span {
        std::uint32_t offset = 0, size = 0;
    };
    // Conditions are stored in pre-order; `size` counts the node and its descendants.
    struct node {
        node_kind kind;
        std::uint8_t code; // op or logic
        span a;            // compare: the path
        span b;            // compare: the value's JSON; compare_path: the other path
        span c;            // compare_path: the fallback's JSON
        std::uint32_t size;
    };
    condition() = default;

    void fail(errc e) {
        if (!error_) error_ = e;
    }
    // Stores `text` as a JSON string (quotes and escapes): written once, copied on every write().
    void put_string(span& s, std::string_view text, errc if_not_utf8) {
        const std::size_t at = pool_.size();
        if (json::write(text, pool_)) {
            pool_.resize(at);
            pool_.append("\"\"");
            fail(if_not_utf8);
        }
        s = {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(pool_.size() - at)};
    }
    static void quoted(std::string& out, std::string_view ascii) {
        out.push_back('"');
        out.append(ascii);
        out.push_back('"');
    }
    std::string_view text(span s) const noexcept { return std::string_view(pool_).substr(s.offset, s.size); }
    void add_compare(path p, op o, const value& v) {
        if (!p.valid()) fail(errc::invalid_path);
        node n{};
        n.kind = node_kind::compare;
        n.code = static_cast<std::uint8_t>(o);
        n.size = 1;
        put_string(n.a, p.str(), errc::invalid_path);
        const std::size_t at = pool_.size();
        if (!v.write(pool_)) fail(errc::invalid_metadata);
        n.b = {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(pool_.size() - at)};
        nodes_.push_back(n);
    }
    void append(const condition& c) {
        if (c.error_) fail(static_cast<errc>(c.error_.value()));
        const auto shift = static_cast<std::uint32_t>(pool_.size());
        pool_.append(c.pool_);
        for (node n : c.nodes_) {
            n.a.offset += shift;
            n.b.offset += shift;
            n.c.offset += shift;
            nodes_.push_back(n);
        }
    }

    // v2: the node at `i` as JSON.
    void write_v2(std::string& out, std::size_t i) const {
        const node& n = nodes_[i];
        if (n.kind == node_kind::logical) {
            out.append("{\"op\":");
            quoted(out, to_string(static_cast<logic>(n.code)));
            out.append(",\"with\":[");
            bool first = true;
            for (std::size_t c = i + 1; c < i + n.size; c += nodes_[c].size) {
                if (!first) out.push_back(',');
                first = false;
                write_v2(out, c);
            }
            out.append("]}");
            return;
        }
        out.append("{\"path\":");
        out.append(text(n.a));
        out.append(",\"op\":");
        quoted(out, to_string(static_cast<op>(n.code)));
        if (n.kind == node_kind::compare) {
            out.append(",\"to\":{\"value\":");
            out.append(text(n.b));
        } else {
            out.append(",\"to\":{\"path\":");
            out.append(text(n.b));
            out.append(",\"default\":");
            out.append(text(n.c));
        }
        out.append("}}");
    }

    // v1: the single top-level key every comparison under node `i` names
    // (escaped, without quotes), or an error when there is none.
    std::error_code v1_key(std::size_t i, std::string_view& key) const {
        const node& n = nodes_[i];
        if (n.kind == node_kind::compare_path) return errc::not_expressible_in_v1;
        if (n.kind == node_kind::compare) {
            const std::string_view path_json = text(n.a); // "/key"
            const std::string_view p = path_json.substr(2, path_json.size() - 3);
            if (p.find('/') != std::string_view::npos) return errc::not_expressible_in_v1;
            if (!key.empty() && key != p) return errc::not_expressible_in_v1;
            key = p;
            return {};
        }
        for (std::size_t c = i + 1; c < i + n.size; c += nodes_[c].size)
            if (std::error_code ec = v1_key(c, key)) return ec;
        return {};
    }
    // v1: the condition on the key, {"$op": value} or {"$and": [...]}.
    void write_v1(std::string& out, std::size_t i) const {
        const node& n = nodes_[i];
        out.push_back('{');
        if (n.kind == node_kind::logical) {
            quoted(out, to_string(static_cast<logic>(n.code)));
            out.append(":[");
            bool first = true;
            for (std::size_t c = i + 1; c < i + n.size; c += nodes_[c].size) {
                if (!first) out.push_back(',');
                first = false;
                write_v1(out, c);
            }
            out.push_back(']');
        } else {
            quoted(out, to_string(static_cast<op>(n.code)));
            out.push_back(':');
            out.append(text(n.b));
        }
        out.push_back('}');
    }

    std::string pool_;
    std::vector<node> nodes_;
    std::error_code error_;
};

/// `path op value` (the same as condition(p, o, v)), to compose with all_of/any_of/none_of.
inline condition cond(path p, op o, value v) { return condition(p, o, v); }
inline condition cond(path p, op o, std::initializer_list<value> list) { return condition(p, o, list); }
/// Every condition holds ($and).
template <class... C>
    requires(std::same_as<C, condition> && ...)
condition all_of(const C&... items) { return condition(logic::and_, {items...}); }
/// At least one condition holds ($or).
template <class... C>
    requires(std::same_as<C, condition> && ...)
condition any_of(const C&... items) { return condition(logic::or_, {items...}); }
/// No condition holds ($nor).
template <class... C>
    requires(std::same_as<C, condition> && ...)
condition none_of(const C&... items) { return condition(logic::nor, {items...}); }

/// A routing query: which clients a SEND, BROADCAST, QUEUE or QUERY_NODES
/// targets. Every setter returns *this for chaining; the first mistake is
/// kept and reported by error() and write().
class query {
public:
    query() = default;
    /// A query for clients of `application` (the `application` field).
    explicit query(std::string_view application) { this->application(application); }

    /// Only clients of this application (unset: any application; v1 needs it).
    query& application(std::string_view id) {
        put(app_, id);
        has_app_ = true;
        return *this;
    }
    /// Whether restricted-mode clients may be chosen (server default false).
    query& restricted(bool yes) { return flag(restricted_, yes); }
    /// Whether the message may be dropped silently when nothing matches
    /// (server default false: the sender gets an op 3 no_route).
    query& droppable(bool yes) { return flag(droppable_, yes); }
    /// Whether to ignore ops and selector when nothing matches (server default false).
    query& optional(bool yes) { return flag(optional_, yes); }
    /// A consistent-hashing key: the same key picks the same client while
    /// the set of matches stays the same (SEND only).
    query& key(std::string_view k) {
        put(key_, k);
        has_key_ = true;
        return *this;
    }
    /// `path op value`.
    query& where(path p, op o, value v) { return where(condition(p, o, v)); }
    /// `path op [values...]` ($in and $nin need at least one value).
    query& where(path p, op o, std::initializer_list<value> list) { return where(condition(p, o, list)); }
    /// Any condition, e.g. any_of(cond(...), cond(...)).
    query& where(const condition& c) {
        ops_.append(c);
        ++top_level_;
        return *this;
    }
    /// Picks the one client with the least, greatest or closest-to-average
    /// value of metadata `key` (v2 only).
    query& select(selector s, std::string_view key) {
        put(selector_key_, key);
        selector_ = s;
        has_selector_ = true;
        return *this;
    }

    /// The first mistake made building the query (invalid_path, empty_list,
    /// empty_logical, invalid_metadata for a NaN), or success.
    std::error_code error() const noexcept { return ops_.error_; }

    /// Appends the query's JSON in `form`. On error nothing is appended.
    /// Errors: the building mistake (see error()); for v1 also
    /// missing_application and not_expressible_in_v1.
    std::error_code write(std::string& out, query_form form = query_form::v2) const {
        if (std::error_code ec = error()) return ec;
        if (form == query_form::v1) {
            if (!has_app_) return errc::missing_application;
            if (has_selector_) return errc::not_expressible_in_v1;
            for (std::size_t i = 0; i < ops_.nodes_.size(); i += ops_.nodes_[i].size) {
                std::string_view k;
                if (std::error_code ec = ops_.v1_key(i, k)) return ec;
            }
        }
        out.push_back('{');
        bool first = true;
        auto field = [&](std::string_view name) {
            if (!first) out.push_back(',');
            first = false;
            out.push_back('"');
            out.append(name);
            out.append("\":");
        };
        if (has_app_) {
            field("application");
            out.append(ops_.text(app_));
        }
        auto boolean = [&](std::string_view name, std::uint8_t f) {
            if (f == 0) return;
            field(name);
            out.append(f == 2 ? "true" : "false");
        };
        boolean("restricted", restricted_);
        if (has_key_) {
            field("key");
            out.append(ops_.text(key_));
        }
        boolean("droppable", droppable_);
        boolean("optional", optional_);
        field("ops");
        out.push_back('[');
        for (std::size_t i = 0; i < ops_.nodes_.size(); i += ops_.nodes_[i].size) {
            if (i) out.push_back(',');
            if (form == query_form::v2) {
                ops_.write_v2(out, i);
            } else {
                std::string_view k;
                (void)ops_.v1_key(i, k);
                out.push_back('{');
                condition::quoted(out, k);
                out.push_back(':');
                ops_.write_v1(out, i);
                out.push_back('}');
            }
        }
        out.push_back(']');
        if (has_selector_) {
            field("selector");
            out.push_back('{');
            condition::quoted(out, to_string(selector_));
            out.push_back(':');
            out.append(ops_.text(selector_key_));
            out.push_back('}');
        }
        out.push_back('}');
        return {};
    }

    /// The query as a new string (empty on error; see error()).
    std::string to_json(query_form form = query_form::v2) const {
        std::string s;
        if (write(s, form)) s.clear();
        return s;
    }

    /// Number of top-level conditions.
    std::size_t size() const noexcept { return top_level_; }

private:
    query& flag(std::uint8_t& f, bool yes) {
        f = yes ? 2 : 1;
        return *this;
    }
    void put(condition::span& s, std::string_view text) { ops_.put_string(s, text, errc::invalid_name); }

    condition ops_; // the top-level conditions, in order, and every string of the query
    condition::span app_, key_, selector_key_;
    std::size_t top_level_ = 0;
    std::uint8_t restricted_ = 0, droppable_ = 0, optional_ = 0; // 0 unset, 1 false, 2 true
    selector selector_ = selector::min;
    bool has_app_ = false, has_key_ = false, has_selector_ = false;
};

} // namespace sluice::singyeong
