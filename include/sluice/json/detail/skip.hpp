#pragma once
// sluice/json/detail/skip.hpp: skipping a container read() does not decode,
// 64 bytes a step. Each block gives bit masks of quotes, backslashes and
// brackets; escaped quotes are removed, a prefix XOR of the quotes marks the
// bytes inside strings, and the brackets outside strings are counted. Only a
// block where the depth may return to zero is walked bracket by bracket.
// Checks only the structure: strings closed, brackets balanced (a ']' may
// close a '{'), depth limit.
//
// Includes: <bit> for popcount/countr_zero; <cstdint>, <cstring> for the
// padded tail; scan.hpp for the block masks.
#include <bit>
#include <cstdint>
#include <cstring>

#include <sluice/json/detail/scan.hpp>
#include <sluice/json/error.hpp>

namespace sluice::json::detail {

/// Bits of the bytes escaped by a backslash. `carry` is 1 when the block
/// starts with an escaped byte and is set for the next block. Backslashes are
/// rare, so they are walked one by one.
inline std::uint64_t escaped_bytes(std::uint64_t backslash, std::uint64_t& carry) noexcept {
    std::uint64_t escaped = carry;
    carry = 0;
    for (; backslash != 0; backslash &= backslash - 1) {
        const int i = std::countr_zero(backslash);
        if ((escaped >> i) & 1) continue; // an escaped backslash escapes nothing
        if (i == 63) carry = 1;
        else escaped |= std::uint64_t{2} << i;
    }
    return escaped;
}

/// State of a container skip between blocks.
struct skip_state {
    std::uint64_t in_string = 0; // all ones when the previous block ended inside a string
    std::uint64_t escape = 0;    // 1 when the next block's first byte is escaped
    std::uint32_t depth = 1;     // open containers, counting the one being skipped
};

/// Scans the 64-byte block at p. Returns the offset just after the bracket
/// that closes the skipped container, or -1 when it is not in this block;
/// sets `e` to depth_exceeded when nesting passes `max_depth`.
template <class Backend>
[[gnu::always_inline]] inline int skip_block(const char* p, skip_state& s, std::uint32_t max_depth, errc& e) noexcept {
    const block_masks m = classify<Backend>(p);
    std::uint64_t quote = m.quote;
    if (m.backslash | s.escape) quote &= ~escaped_bytes(m.backslash, s.escape);
    if ((m.open | m.close) == 0) { // no bracket (a run of strings and scalars): only the quotes' parity carries
        s.in_string ^= 0 - static_cast<std::uint64_t>(std::popcount(quote) & 1);
        return -1;
    }
    const std::uint64_t in_string = prefix_xor(quote) ^ s.in_string;
    s.in_string = 0 - (in_string >> 63);
    const std::uint64_t open = m.open & ~in_string;
    const std::uint64_t close = m.close & ~in_string;
    const auto opens = static_cast<std::uint32_t>(std::popcount(open));
    const auto closes = static_cast<std::uint32_t>(std::popcount(close));
    if (closes < s.depth && s.depth + opens <= max_depth) {
        s.depth = s.depth + opens - closes;
        return -1;
    }
    for (std::uint64_t b = open | close; b != 0; b &= b - 1) {
        const int i = std::countr_zero(b);
        if ((open >> i) & 1) {
            if (++s.depth > max_depth) {
                e = errc::depth_exceeded;
                return i;
            }
        } else if (--s.depth == 0) {
            return i + 1;
        }
    }
    return -1;
}

/// Skips the rest of a container whose opening bracket is just before p.
/// Returns the position after its closing bracket, or null with `e` set
/// (unexpected_end, depth_exceeded; `fail_at` says where).
template <class Backend = best_backend>
const char* skip_container(const char* p, const char* end, std::uint32_t max_depth, errc& e,
                           const char*& fail_at) noexcept {
    skip_state s;
    while (end - p >= 64) {
        if (const int i = skip_block<Backend>(p, s, max_depth, e); i >= 0) {
            if (e != errc{}) {
                fail_at = p + i;
                return nullptr;
            }
            return p + i;
        }
        p += 64;
    }
    if (p != end) { // the tail, padded with spaces
        char block[64];
        std::memset(block, ' ', sizeof block);
        std::memcpy(block, p, static_cast<std::size_t>(end - p));
        if (const int i = skip_block<Backend>(block, s, max_depth, e); i >= 0 && p + i <= end) {
            if (e != errc{}) {
                fail_at = p + i;
                return nullptr;
            }
            return p + i;
        }
    }
    e = errc::unexpected_end;
    fail_at = end;
    return nullptr;
}

} // namespace sluice::json::detail
