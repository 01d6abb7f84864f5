#pragma once
// sluice/json/detail/keys.hpp: which field does this key name? Two perfect
// hashes built at compile time from T's field names:
//  - prefix_table (the fast path, before the key's end is known): the key's
//    first few bytes pick the one name that can match, and an 8-byte load
//    compares the name with its `":` (more words for long names);
//  - key_table (for keys already scanned: escaped, spaced before the colon,
//    or names whose first bytes are alike): the key's length and its first
//    and last 8 bytes pick the slot; the words, and a memcmp of the middle of
//    keys over 16 bytes, confirm it.
// Either takes one multiplication and one table load for any number of fields.
//
// Includes: <array>; <bit> for endian; <cstddef>, <cstdint>; <cstring> for
// memcpy/memcmp; <string_view>; sluice/reflect/fields.hpp for field_names.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <sluice/reflect/fields.hpp>

namespace sluice::json::detail {

/// True when a name is written as is inside quotes: no '"', '\\' or control
/// character (read() matches keys byte for byte; write() copies names).
constexpr bool plain_name(std::string_view name) noexcept {
    for (char c : name)
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    return true;
}

template <class T>
consteval bool plain_names() {
    for (std::string_view name : reflect::field_names<T>)
        if (!plain_name(name)) return false;
    return true;
}

// Bytes [0, n) of s (n <= 8) as a word, in the order memcpy loads them.
constexpr std::uint64_t pack_word(const char* s, std::size_t n) noexcept {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<std::uint64_t>(static_cast<unsigned char>(s[i]));
        w |= std::endian::native == std::endian::little ? b << (8 * i) : b << (56 - 8 * i);
    }
    return w;
}

/// A key reduced to what the hash and the first comparison use.
struct key_words {
    std::uint64_t head; ///< bytes [0, min(len, 8)), zero-padded
    std::uint64_t tail; ///< bytes [len - 8, len) when len > 8, else 0
    std::size_t len;
};

constexpr key_words words_of(std::string_view s) noexcept {
    return {pack_word(s.data(), s.size() < 8 ? s.size() : 8), s.size() > 8 ? pack_word(s.data() + s.size() - 8, 8) : 0,
            s.size()};
}

/// The words of the key [k, k + len), where the text continues to `end`
/// (end >= k + len): loads 8 bytes at once when they are inside the text.
inline key_words load_key(const char* k, std::size_t len, const char* end) noexcept {
    key_words w{0, 0, len};
    if (len >= 8) {
        std::memcpy(&w.head, k, 8);
        if (len > 8) std::memcpy(&w.tail, k + len - 8, 8);
    } else if (end - k >= 8) {
        std::memcpy(&w.head, k, 8);
        const std::uint64_t keep = (std::uint64_t{1} << (8 * len)) - 1; // len < 8
        w.head &= std::endian::native == std::endian::little ? keep : ~(~std::uint64_t{0} >> (8 * len));
    } else {
        w.head = pack_word(k, len);
    }
    return w;
}

inline constexpr std::uint8_t no_field = 0xFF;

/// One slot of a key table: the words of the name that hashes here.
struct key_slot {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::uint32_t len = 0xFFFFFFFF; // no key has this length: an empty slot never matches
    std::uint32_t index = no_field;
};

/// Perfect hash of N names: slot = ((head ^ tail' ^ len) * seed) >> shift,
/// where tail' is used only when some names need it to be told apart.
template <std::size_t N>
struct key_table {
    std::uint64_t seed = 0;
    int shift = 64;
    bool use_tail = false;
    bool perfect = false;
    std::array<key_slot, (N == 0 ? 1 : std::bit_ceil(N) * 4)> slots{};
    std::array<key_words, N> words{};

    constexpr std::size_t slot_of(const key_words& w) const noexcept {
        const std::uint64_t tail = use_tail ? std::rotl(w.tail, 29) : 0;
        return static_cast<std::size_t>(((w.head ^ tail ^ w.len) * seed) >> shift);
    }
};

template <std::size_t N>
consteval key_table<N> make_key_table(const std::array<std::string_view, N>& names) {
    key_table<N> t;
    for (std::size_t i = 0; i < N; ++i) t.words[i] = words_of(names[i]);
    // Smallest table first (2N, 4N slots), without the tail when it can.
    for (int bits = std::bit_width(std::bit_ceil(N)); (std::size_t{1} << bits) <= t.slots.size(); ++bits) {
        for (int use_tail = 0; use_tail < 2; ++use_tail) {
            std::uint64_t seed = 0x2545F4914F6CDD1Dull;
            for (int attempt = 0; attempt < 300; ++attempt) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                t.seed = seed | 1;
                t.shift = 64 - bits;
                t.use_tail = use_tail != 0;
                for (auto& slot : t.slots) slot = key_slot{};
                bool ok = true;
                for (std::size_t i = 0; i < N && ok; ++i) {
                    key_slot& slot = t.slots[t.slot_of(t.words[i])];
                    if (slot.index != no_field) ok = false;
                    else slot = {t.words[i].head, t.words[i].tail, static_cast<std::uint32_t>(t.words[i].len),
                                 static_cast<std::uint32_t>(i)};
                }
                if (ok) {
                    t.perfect = true;
                    return t;
                }
            }
        }
    }
    return t; // no perfect hash (names alike in length, head and tail): find_field compares in turn
}

template <class T>
inline constexpr auto key_table_of = make_key_table(reflect::field_names<T>);

/// The index of T's field named by the key [k, k + len), or field_count<T>
/// when none is; `end` is the end of the text (at least k + len).
template <class T>
inline std::size_t find_field(const char* k, std::size_t len, const char* end) noexcept {
    constexpr std::size_t n = reflect::field_count<T>;
    if constexpr (n == 0) {
        return 0;
    } else {
        constexpr auto& table = key_table_of<T>;
        const key_words w = load_key(k, len, end);
        // Bytes [8, len - 8) of a key over 16 bytes; the name's own size bounds
        // the comparison (which also keeps GCC's -Warray-bounds quiet at -O1).
        const auto middle_same = [&](std::size_t i) {
            if (len <= 16) return true;
            const std::string_view name = reflect::field_names<T>[i];
            return name.size() == len && name.substr(8, len - 16) == std::string_view(k + 8, len - 16);
        };
        if constexpr (table.perfect) {
            const key_slot& s = table.slots[table.slot_of(w)];
            return s.len == len && s.head == w.head && s.tail == w.tail && middle_same(s.index) ? s.index : n;
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const key_words& c = table.words[i];
                if (c.len == len && c.head == w.head && c.tail == w.tail && middle_same(i)) return i;
            }
            return n;
        }
    }
}

/// One slot of a prefix table: a name followed by its closing quote and the
/// colon (`name":`, the "pattern").
struct prefix_slot {
    std::uint64_t head = 1; ///< bytes [0, min(len + 2, 8)) of the pattern (1 with mask 0: never matches)
    std::uint64_t mask = 0; ///< which bytes of an 8-byte load `head` covers
    std::uint64_t mid = 0;  ///< bytes [8, 16) of the pattern when it is longer than 16
    std::uint64_t tail = 0; ///< the last 8 bytes of the pattern when it is longer than 8
    std::uint32_t len = 0;
    std::uint32_t index = no_field;
};

/// Known keys without finding the closing quote first: the key's first P
/// bytes (P chosen so that every name followed by '"' has them, and they
/// differ between names) pick the one name that can match; an 8-byte load
/// then compares the name, its closing quote and the colon at once (compact
/// JSON; a key with whitespace before its colon takes the general path).
/// Unknown keys miss and are found by a scan; a name table where no such P
/// exists is not `usable` (find_field then does it all).
template <std::size_t N>
struct prefix_table {
    bool usable = false;
    bool long_names = false; ///< some pattern is longer than 8 bytes
    std::uint64_t prefix_mask = 0;
    std::uint64_t seed = 0;
    int shift = 64;
    std::array<prefix_slot, (N == 0 ? 1 : std::bit_ceil(N) * 4)> slots{};

    constexpr std::size_t slot_of(std::uint64_t word) const noexcept {
        return static_cast<std::size_t>(((word & prefix_mask) * seed) >> shift);
    }
};

constexpr std::uint64_t byte_mask(std::size_t n) noexcept { // the first n <= 8 bytes of a load
    if (n >= 8) return ~std::uint64_t{0};
    const std::uint64_t low = (std::uint64_t{1} << (8 * n)) - 1;
    return std::endian::native == std::endian::little ? low : ~(~std::uint64_t{0} >> (8 * n));
}

template <std::size_t N>
consteval prefix_table<N> make_prefix_table(const std::array<std::string_view, N>& names) {
    prefix_table<N> t;
    if constexpr (N != 0) {
        char quoted[N][256 + 2] = {};
        std::size_t min_len = 256;
        for (std::size_t i = 0; i < N; ++i) {
            if (names[i].size() > 255) return t;
            for (std::size_t j = 0; j < names[i].size(); ++j) quoted[i][j] = names[i][j];
            quoted[i][names[i].size()] = '"';
            quoted[i][names[i].size() + 1] = ':';
            if (names[i].size() < min_len) min_len = names[i].size();
            if (names[i].size() + 2 > 8) t.long_names = true;
        }
        const auto head_of = [&](std::size_t i) {
            const std::size_t n = names[i].size() + 2 < 8 ? names[i].size() + 2 : 8;
            return pack_word(quoted[i], n);
        };
        for (std::size_t prefix = 1; prefix <= 8 && prefix <= min_len + 1; ++prefix) {
            t.prefix_mask = byte_mask(prefix);
            bool distinct = true;
            for (std::size_t i = 0; i < N && distinct; ++i)
                for (std::size_t j = i + 1; j < N && distinct; ++j)
                    distinct = (head_of(i) & t.prefix_mask) != (head_of(j) & t.prefix_mask);
            if (!distinct) continue;
            for (int bits = std::bit_width(std::bit_ceil(N)); (std::size_t{1} << bits) <= t.slots.size(); ++bits) {
                std::uint64_t seed = 0x9E3779B97F4A7C15ull;
                for (int attempt = 0; attempt < 300; ++attempt) {
                    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                    t.seed = seed | 1;
                    t.shift = 64 - bits;
                    for (auto& slot : t.slots) slot = prefix_slot{};
                    bool ok = true;
                    for (std::size_t i = 0; i < N && ok; ++i) {
                        prefix_slot& slot = t.slots[t.slot_of(head_of(i))];
                        if (slot.index != no_field) {
                            ok = false;
                            continue;
                        }
                        const std::size_t pattern_len = names[i].size() + 2;
                        slot.head = head_of(i);
                        slot.mask = byte_mask(pattern_len);
                        slot.mid = pattern_len > 16 ? pack_word(quoted[i] + 8, 8) : 0;
                        slot.tail = pattern_len > 8 ? pack_word(quoted[i] + pattern_len - 8, 8) : 0;
                        slot.len = static_cast<std::uint32_t>(names[i].size());
                        slot.index = static_cast<std::uint32_t>(i);
                    }
                    if (ok) {
                        t.usable = true;
                        return t;
                    }
                }
            }
        }
        for (auto& slot : t.slots) slot = prefix_slot{};
    }
    return t;
}

template <class T>
inline constexpr auto prefix_table_of = make_prefix_table(reflect::field_names<T>);

/// When the key starting at k (just after its opening quote) is one of T's
/// field names followed by `":`, returns its index (the value then starts at
/// k + field_name<T, index>.size() + 2); otherwise returns field_count<T>
/// (the key may still be one of them when written with escapes or with
/// whitespace before the colon, or when the table is not usable). The caller
/// advances by the name's length as a compile-time constant, so the next
/// position does not wait for this lookup.
template <class T>
[[gnu::always_inline]] inline std::size_t match_known_key(const char* k, const char* end) noexcept {
    constexpr std::size_t n = reflect::field_count<T>;
    constexpr auto& table = prefix_table_of<T>;
    if constexpr (!table.usable) {
        return n;
    } else {
        if (end - k < 8) return n;
        std::uint64_t word;
        std::memcpy(&word, k, 8);
        const prefix_slot& s = table.slots[table.slot_of(word)];
        if ((word & s.mask) != s.head) return n;
        if constexpr (table.long_names) {
            const std::size_t pattern_len = s.len + std::size_t{2};
            if (pattern_len > 8) { // the rest of a long pattern: its last 8 bytes, then the middle
                if (static_cast<std::size_t>(end - k) < pattern_len) return n;
                std::uint64_t last;
                std::memcpy(&last, k + pattern_len - 8, 8);
                if (last != s.tail) return n;
                if (pattern_len > 16) {
                    std::uint64_t mid;
                    std::memcpy(&mid, k + 8, 8);
                    if (mid != s.mid) return n;
                    if (pattern_len > 24 &&
                        std::memcmp(k + 16, reflect::field_names<T>[s.index].data() + 16, pattern_len - 24) != 0)
                        return n;
                }
            }
        }
        return s.index;
    }
}

} // namespace sluice::json::detail
