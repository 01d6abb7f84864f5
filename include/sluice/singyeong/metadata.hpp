#pragma once
// sluice/singyeong/metadata.hpp: typed 신경 metadata and the store a client
// keeps so it can restore its metadata after every reconnect.
//
// On the wire (UPDATE_METADATA, or identify's `metadata`):
//     {"load": {"type": "integer", "value": 5}, "v": {"type": "version", "value": "1.2.3"}}
// The server checks each value against its type (a `float` must be written
// with a '.' or an exponent, `version` must be semantic: 1.2.3[-pre][+build])
// and refuses the keys it owns (restricted, ip, encoding, namespace,
// receive_client_updates, last_heartbeat_time). The server forgets a client's
// metadata when it disconnects, and has no way to delete one key: the store
// therefore only sets and replaces.
//
// Includes: <cstddef>, <cstdint>, <optional>, <string>, <string_view>,
// <system_error>, <vector>; json/validate.hpp, json/write.hpp;
// singyeong/errc.hpp; singyeong/detail/write.hpp (floats).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
#include <sluice/singyeong/detail/write.hpp>
#include <sluice/singyeong/errc.hpp>

namespace sluice::singyeong {

/// The server's metadata types.
enum class metadata_type : std::uint8_t { string, integer, float_, version, list, boolean, map };

constexpr std::string_view to_string(metadata_type t) noexcept {
    constexpr std::string_view names[] = {"string", "integer", "float", "version", "list", "boolean", "map"};
    return names[static_cast<std::size_t>(t)];
}

/// Whether `key` is one the server sets itself and refuses from clients.
constexpr bool is_reserved_metadata_key(std::string_view key) noexcept {
    return key == "last_heartbeat_time" || key == "ip" || key == "restricted" || key == "encoding" ||
           key == "namespace" || key == "receive_client_updates";
}

/// Whether `s` is a version the server accepts (Elixir's Version.parse):
/// MAJOR.MINOR.PATCH without leading zeros, then optional -pre.release and
/// +build identifiers (alphanumerics and '-', dot separated, none empty).
constexpr bool is_semantic_version(std::string_view s) noexcept {
    std::size_t i = 0;
    for (int part = 0; part < 3; ++part) {
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start || (s[start] == '0' && i - start > 1)) return false;
        if (part < 2) {
            if (i >= s.size() || s[i] != '.') return false;
            ++i;
        }
    }
    // Dot-separated identifiers after `lead` (absent is fine), up to a '+'
    // when `stop_at_plus`, else to the end.
    auto identifiers = [&](char lead, bool stop_at_plus) {
        if (i >= s.size() || s[i] != lead) return true;
        std::size_t start = ++i;
        for (;; ++i) {
            if (i == s.size() || (stop_at_plus && s[i] == '+')) return i > start;
            const char c = s[i];
            if (c == '.') {
                if (i == start) return false;
                start = i + 1;
            } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) {
                return false;
            }
        }
    };
    if (!identifiers('-', true) || !identifiers('+', false)) return false;
    return i == s.size();
}

/// One typed metadata value. A view: strings and JSON text must outlive the
/// call the value is passed to (the store copies them).
class metadata_value {
public:
    static constexpr metadata_value string(std::string_view s) noexcept { return {metadata_type::string, s}; }
    static constexpr metadata_value integer(std::int64_t i) noexcept {
        metadata_value v{metadata_type::integer, {}};
        v.i_ = i;
        return v;
    }
    /// Written with a '.' or an exponent, so that the server reads a float.
    static constexpr metadata_value floating(double d) noexcept {
        metadata_value v{metadata_type::float_, {}};
        v.d_ = d;
        return v;
    }
    static constexpr metadata_value boolean(bool b) noexcept {
        metadata_value v{metadata_type::boolean, {}};
        v.b_ = b;
        return v;
    }
    /// A semantic version string ("1.2.3", "2.0.0-rc.1+build.5").
    static constexpr metadata_value version(std::string_view s) noexcept { return {metadata_type::version, s}; }
    /// A JSON array, as text (its elements are untyped).
    static constexpr metadata_value list(std::string_view json_array) noexcept { return {metadata_type::list, json_array}; }
    /// A JSON object, as text (its values are untyped).
    static constexpr metadata_value map(std::string_view json_object) noexcept { return {metadata_type::map, json_object}; }

    constexpr metadata_type type() const noexcept { return type_; }

    /// Appends the JSON of the value alone. Errors (nothing useful appended):
    /// invalid_metadata for a string that is not UTF-8, a non-finite float,
    /// a malformed version, or list or map text that is not one JSON array
    /// or object.
    std::error_code write_value(std::string& out) const {
        switch (type_) {
        case metadata_type::string: return json::write(text_, out) ? errc::invalid_metadata : std::error_code{};
        case metadata_type::integer: (void)json::write(i_, out); return {};
        case metadata_type::float_: return detail::write_float(out, d_) ? std::error_code{} : errc::invalid_metadata;
        case metadata_type::boolean: out.append(b_ ? "true" : "false"); return {};
        case metadata_type::version:
            if (!is_semantic_version(text_)) return errc::invalid_metadata;
            (void)json::write(text_, out); // ASCII by the check above
            return {};
        case metadata_type::list:
        case metadata_type::map: {
            const std::string_view t = trim(text_);
            if (t.empty() || t.front() != (type_ == metadata_type::list ? '[' : '{') || json::validate(t))
                return errc::invalid_metadata;
            out.append(t);
            return {};
        }
        }
        return errc::invalid_metadata;
    }

private:
    constexpr metadata_value(metadata_type t, std::string_view text) noexcept : type_(t), text_(text) {}
    static constexpr std::string_view trim(std::string_view s) noexcept {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    }
    metadata_type type_;
    std::string_view text_;
    std::int64_t i_ = 0;
    double d_ = 0;
    bool b_ = false;
};

/// The metadata a client has set, in the order keys were first set, with
/// their values already encoded. The client machine writes it into identify
/// (or an UPDATE_METADATA after ready) on every connection.
class metadata_store {
public:
    /// One stored entry; views valid until the next set() or clear().
    struct item {
        std::string_view key;
        metadata_type type;
        std::string_view json; ///< the value's JSON
    };

    /// A store for at most `max_keys` keys.
    explicit metadata_store(std::size_t max_keys = 64) : max_keys_(max_keys) {}

    /// Whether set(key, v) would be accepted by a store with room:
    /// the same errors as set() but metadata_full. Changes nothing.
    static std::error_code check(std::string_view key, const metadata_value& v) {
        if (!valid_key(key)) return errc::invalid_metadata;
        if (is_reserved_metadata_key(key)) return errc::reserved_metadata_key;
        std::string scratch;
        return v.write_value(scratch);
    }
    /// Whether a new key fits (replacing an existing one always does).
    bool has_room_for(std::string_view key) const noexcept {
        return entries_.size() < max_keys_ || find(key).has_value();
    }

    /// Sets or replaces `key`. Errors (the store is unchanged):
    /// invalid_metadata (an empty key, a key with '/' which no query path
    /// could reach, a key that is not UTF-8, or an invalid value),
    /// reserved_metadata_key, metadata_full (a new key beyond max_keys).
    std::error_code set(std::string_view key, const metadata_value& v) {
        if (!valid_key(key)) return errc::invalid_metadata;
        if (is_reserved_metadata_key(key)) return errc::reserved_metadata_key;
        entry* existing = lookup(key);
        if (!existing && entries_.size() >= max_keys_) return errc::metadata_full;
        const std::size_t start = pool_.size();
        if (std::error_code ec = v.write_value(pool_)) {
            pool_.resize(start);
            return ec;
        }
        const span value{static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(pool_.size() - start)};
        if (existing) {
            wasted_ += existing->value.size;
            existing->value = value;
            existing->type = v.type();
        } else {
            const span k{static_cast<std::uint32_t>(pool_.size()), static_cast<std::uint32_t>(key.size())};
            pool_.append(key);
            entries_.push_back({k, value, v.type()});
        }
        if (wasted_ > 4096 && wasted_ > pool_.size() / 2) compact();
        return {};
    }

    /// The entry for `key`, if set.
    std::optional<item> find(std::string_view key) const noexcept {
        for (const entry& e : entries_)
            if (text(e.key) == key) return item{text(e.key), e.type, text(e.value)};
        return std::nullopt;
    }
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    /// The most keys the store takes.
    std::size_t max_keys() const noexcept { return max_keys_; }
    /// Heap bytes held (entries and encoded text), for size reports.
    std::size_t heap_bytes() const noexcept {
        return entries_.capacity() * sizeof(entry) + (pool_.capacity() > std::string().capacity() ? pool_.capacity() + 1 : 0);
    }
    /// Entry `i` (0 <= i < size()), in the order keys were first set.
    item at(std::size_t i) const noexcept { return {text(entries_[i].key), entries_[i].type, text(entries_[i].value)}; }
    void clear() noexcept {
        entries_.clear();
        pool_.clear();
        wasted_ = 0;
    }

    /// Appends every entry as the object UPDATE_METADATA and identify carry:
    /// {"key":{"type":"integer","value":5},...} ("{}" when empty).
    void write(std::string& out) const {
        out.push_back('{');
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (i) out.push_back(',');
            write_entry(out, entries_[i]);
        }
        out.push_back('}');
    }
    /// Appends the entry of one key as a one-key object (after set(key, ...)).
    void write_one(std::string& out, std::string_view key) const {
        out.push_back('{');
        for (const entry& e : entries_)
            if (text(e.key) == key) write_entry(out, e);
        out.push_back('}');
    }

private:
    struct span {
        std::uint32_t offset = 0, size = 0;
    };
    struct entry {
        span key;
        span value;
        metadata_type type;
    };
    std::string_view text(span s) const noexcept { return std::string_view(pool_).substr(s.offset, s.size); }
    entry* lookup(std::string_view key) noexcept {
        for (entry& e : entries_)
            if (text(e.key) == key) return &e;
        return nullptr;
    }
    static bool valid_key(std::string_view key) {
        if (key.empty() || key.find('/') != std::string_view::npos) return false;
        std::string scratch; // a key is written often: check once that it can be
        return !json::write(key, scratch);
    }
    void write_entry(std::string& out, const entry& e) const {
        (void)json::write(text(e.key), out); // checked by set()
        out.append(":{\"type\":\"");
        out.append(to_string(e.type));
        out.append("\",\"value\":");
        out.append(text(e.value));
        out.push_back('}');
    }
    void compact() {
        std::string fresh;
        fresh.reserve(pool_.size() - wasted_);
        for (entry& e : entries_) {
            const std::string_view k = text(e.key), v = text(e.value);
            e.key = {static_cast<std::uint32_t>(fresh.size()), e.key.size};
            fresh.append(k);
            e.value = {static_cast<std::uint32_t>(fresh.size()), e.value.size};
            fresh.append(v);
        }
        pool_.swap(fresh);
        wasted_ = 0;
    }

    std::vector<entry> entries_;
    std::string pool_;
    std::size_t wasted_ = 0;
    std::size_t max_keys_;
};

} // namespace sluice::singyeong
