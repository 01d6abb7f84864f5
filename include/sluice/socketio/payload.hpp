#pragma once
// sluice/socketio/payload.hpp: the JSON side of Socket.IO packets.
//
// A Socket.IO client needs little from a packet's JSON, but needs it in one
// pass and with positions: is it well-formed and of the right shape, where
// does the first element (the event name) end and the arguments begin, does
// every binary placeholder name an attachment, what is the CONNECT answer's
// sid. check_payload() does exactly that with a small validating scanner
// (RFC 8259 syntax, a depth limit, no allocation); the arguments are handed
// on as JSON text for the caller to read with sluice::json::read into its own
// types.
//
// Includes: <bit> (endian, countr_zero), <cstddef>, <cstdint>, <cstring>
// (memcpy: strings are skipped 8 bytes at a time), <string>, <string_view>, <system_error>;
// errc.hpp; packet.hpp; json/{validate,write}.hpp to check what the caller
// sends and to write event names.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
#include <sluice/socketio/errc.hpp>
#include <sluice/socketio/packet.hpp>

namespace sluice::socketio {

/// What check_payload found. Views are into the packet text, except `name`
/// when the event name had escapes (then it is in the caller's scratch).
struct payload_info {
    std::string_view name{}; ///< event: the event name (a number name is given as its digits)
    std::string_view args{}; ///< event: the elements after the name; ack: all elements; "" when none
    std::string_view first{}; ///< event: the first element after the name (trimmed); "" when none
    std::string_view sid{};  ///< connect: the "sid" member, when present
};

/// Names socket.io-parser refuses as event names (they are the client's own events).
constexpr bool is_reserved_event(std::string_view name) noexcept {
    return name == "connect" || name == "connect_error" || name == "disconnect" || name == "disconnecting" ||
           name == "newListener" || name == "removeListener";
}

/// The placeholder text for attachment `num`: {"_placeholder":true,"num":<num>}.
inline std::string placeholder(std::uint32_t num) {
    return "{\"_placeholder\":true,\"num\":" + std::to_string(num) + "}";
}

namespace detail {

// A validating scanner over one JSON text. Each skip_* returns false on a
// syntax error; `i` is the position, `depth` the remaining nesting budget.
class scanner {
public:
    scanner(std::string_view text, std::size_t max_depth, std::uint32_t attachments, bool binary) noexcept
        : s_(text), depth_(max_depth), attachments_(attachments), binary_(binary) {}

    std::string_view text() const noexcept { return s_; }
    std::size_t pos() const noexcept { return i_; }
    void ws() noexcept {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool at(char c) noexcept {
        ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool eat(char c) noexcept {
        if (!at(c)) return false;
        ++i_;
        return true;
    }
    bool done() noexcept {
        ws();
        return i_ == s_.size();
    }
    bool bad_placeholder() const noexcept { return bad_placeholder_; }

    // Any value.
    bool value() noexcept {
        ws();
        if (i_ >= s_.size()) return false;
        switch (s_[i_]) {
        case '{': return object();
        case '[': return array();
        case '"': return string(nullptr);
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number(nullptr);
        }
    }

    // A string; `raw` (when not null) receives its content between the quotes, still escaped.
    bool string(std::string_view* raw) noexcept {
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        const std::size_t start = ++i_;
        while (i_ < s_.size()) {
            skip_plain();
            if (i_ >= s_.size()) break;
            const char c = s_[i_];
            if (c == '"') {
                if (raw) *raw = s_.substr(start, i_ - start);
                ++i_;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c == '\\') {
                if (++i_ >= s_.size()) return false;
                switch (s_[i_]) {
                case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': break;
                case 'u':
                    for (int k = 0; k < 4; ++k)
                        if (++i_ >= s_.size() || !is_hex(s_[i_])) return false;
                    break;
                default: return false;
                }
            }
            ++i_;
        }
        return false;
    }

    // A number per RFC 8259; `value` (when not null) receives a non-negative
    // integer's value, or -1 for anything else (negative, fraction, exponent, huge).
    bool number(std::int64_t* value) noexcept {
        const std::size_t start = i_;
        bool integer = true;
        if (i_ < s_.size() && s_[i_] == '-') {
            ++i_;
            integer = false;
        }
        if (i_ >= s_.size()) return false;
        if (s_[i_] == '0') ++i_;
        else if (s_[i_] >= '1' && s_[i_] <= '9') while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        else return false;
        if (i_ < s_.size() && s_[i_] == '.') {
            integer = false;
            if (++i_ >= s_.size() || !is_digit(s_[i_])) return false;
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            integer = false;
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (i_ >= s_.size() || !is_digit(s_[i_])) return false;
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        }
        if (value) {
            *value = -1;
            if (integer && i_ - start <= 10) {
                std::int64_t v = 0;
                for (std::size_t k = start; k < i_; ++k) v = v * 10 + (s_[k] - '0');
                *value = v;
            }
        }
        return true;
    }

    bool array() noexcept {
        if (depth_ == 0) return false;
        --depth_;
        ++i_; // '['
        if (!eat(']')) {
            do {
                if (!value()) return false;
            } while (eat(','));
            if (!eat(']')) return false;
        }
        ++depth_;
        return true;
    }

    // An object; in a binary packet, {"_placeholder":true,"num":n} must have n < attachments.
    bool object() noexcept {
        if (depth_ == 0) return false;
        --depth_;
        ++i_; // '{'
        bool is_placeholder = false;
        std::int64_t num = -1;
        if (!eat('}')) {
            do {
                ws();
                std::string_view key{};
                if (!string(&key) || !eat(':')) return false;
                ws();
                if (key == "_placeholder" && s_.substr(i_, 4) == "true") {
                    is_placeholder = true;
                    i_ += 4;
                } else if (key == "num" && i_ < s_.size() && (is_digit(s_[i_]) || s_[i_] == '-')) {
                    if (!number(&num)) return false;
                } else if (!value()) {
                    return false;
                }
            } while (eat(','));
            if (!eat('}')) return false;
        }
        if (binary_ && is_placeholder && (num < 0 || static_cast<std::uint64_t>(num) >= attachments_)) bad_placeholder_ = true;
        ++depth_;
        return true;
    }

private:
    // Skips string bytes 8 at a time while none of them is '"', '\\' or a
    // control character, then to the first one that is (SWAR: a byte test on
    // a 64-bit word, the same on every target; the borrows of these tests
    // only flag bytes after a real hit, so on little-endian the lowest flag
    // is real; elsewhere a false one hands over to the byte loop early).
    void skip_plain() noexcept {
        constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        while (i_ + 8 <= s_.size()) {
            std::uint64_t v = 0;
            std::memcpy(&v, s_.data() + i_, 8);
            const std::uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
            const std::uint64_t special = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((v - ones * 0x20) & ~v);
            if (const std::uint64_t hit = special & highs) { // the lowest flagged byte is a real one
                i_ += static_cast<std::size_t>(std::endian::native == std::endian::little ? std::countr_zero(hit) : std::countl_zero(hit)) / 8;
                return;
            }
            i_ += 8;
        }
    }
    static constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
    static constexpr bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
    bool literal(std::string_view word) noexcept {
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        return true;
    }

    std::string_view s_{};
    std::size_t i_ = 0;
    std::size_t depth_;
    std::uint32_t attachments_;
    bool binary_;
    bool bad_placeholder_ = false;
};

constexpr int hex_value(char c) noexcept {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

// Unescapes the content of a valid JSON string (between the quotes) into out.
inline void unescape(std::string_view raw, std::string& out) {
    out.clear();
    auto put_utf8 = [&](std::uint32_t cp) {
        if (cp < 0x80) out.push_back(static_cast<char>(cp));
        else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    };
    auto hex4 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) v = v * 16 + static_cast<std::uint32_t>(hex_value(raw[at + k]));
        return v;
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out.push_back(raw[i]);
            continue;
        }
        const char e = raw[++i];
        switch (e) {
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
            std::uint32_t cp = hex4(i + 1);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
                const std::uint32_t lo = hex4(i + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; // a lone surrogate: U+FFFD, as JavaScript's TextEncoder does
            put_utf8(cp);
            break;
        }
        default: out.push_back(e); break; // '"', '\\', '/'
        }
    }
}

// The elements of a valid array text "[a, b]" after skipping `skip` elements,
// trimmed: "a, b" for skip 0. `s` is positioned after the '['.
inline std::string_view rest_of_array(scanner& s) noexcept {
    s.ws();
    const std::size_t from = s.pos();
    std::string_view t = s.text();
    std::size_t to = t.size();
    while (to > from && t[to - 1] != ']') --to; // the closing bracket (only whitespace after it)
    --to;
    while (to > from && (t[to - 1] == ' ' || t[to - 1] == '\t' || t[to - 1] == '\n' || t[to - 1] == '\r')) --to;
    return t.substr(from, to - from);
}

} // namespace detail

/// Checks the JSON payload of a decoded packet against what socket.io-parser
/// accepts, and extracts what the session needs:
///  - connect: nothing, or an object (its "sid" string member in `sid`);
///  - disconnect: nothing;
///  - connect_error: a string or an object;
///  - event, binary_event: an array whose first element is a string (the
///    name; not a reserved name) or a number; `args` = the other elements;
///  - ack, binary_ack: an array; `args` = its elements.
/// In binary packets every {"_placeholder":true,"num":n} needs n < attachments.
/// `scratch` receives the event name when it has escapes.
/// Errors (peer errors): errc::bad_payload (malformed JSON, too deep, wrong
/// shape, trailing bytes), errc::bad_placeholder.
inline std::error_code check_payload(const packet& p, payload_info& out, std::string& scratch, std::size_t max_depth) {
    out = {};
    const std::string_view d = p.data;
    detail::scanner s(d, max_depth, p.attachments, is_binary(p.type));
    switch (p.type) {
    case packet_type::disconnect: return d.empty() ? std::error_code() : make_error_code(errc::bad_payload);
    case packet_type::connect: {
        if (d.empty()) return {};
        if (!s.at('{')) return errc::bad_payload;
        // Walk the top-level members, remembering "sid".
        s.eat('{');
        if (!s.eat('}')) {
            do {
                s.ws();
                std::string_view key{};
                if (!s.string(&key) || !s.eat(':')) return errc::bad_payload;
                s.ws();
                if (key == "sid" && s.at('"')) {
                    std::string_view sid{};
                    if (!s.string(&sid)) return errc::bad_payload;
                    out.sid = sid;
                } else if (!s.value()) {
                    return errc::bad_payload;
                }
            } while (s.eat(','));
            if (!s.eat('}')) return errc::bad_payload;
        }
        return s.done() ? std::error_code() : make_error_code(errc::bad_payload);
    }
    case packet_type::connect_error:
        if (!(s.at('{') || s.at('"')) || !s.value() || !s.done()) return errc::bad_payload;
        return {};
    case packet_type::event:
    case packet_type::binary_event: {
        if (!s.eat('[')) return errc::bad_payload;
        s.ws();
        std::string_view raw_name{};
        if (s.at('"')) {
            if (!s.string(&raw_name)) return errc::bad_payload;
            if (raw_name.find('\\') != std::string_view::npos) {
                detail::unescape(raw_name, scratch);
                out.name = scratch;
            } else {
                out.name = raw_name;
            }
            if (is_reserved_event(out.name)) return errc::bad_payload;
        } else {
            const std::size_t start = s.pos();
            if (!s.number(nullptr)) return errc::bad_payload;
            out.name = d.substr(start, s.pos() - start);
        }
        if (s.eat(',')) {
            out.args = detail::rest_of_array(s);
            const std::size_t first = s.pos(); // rest_of_array() skipped the whitespace
            if (!s.value()) return errc::bad_payload;
            out.first = d.substr(first, s.pos() - first);
            while (s.eat(','))
                if (!s.value()) return errc::bad_payload;
        }
        if (!s.eat(']') || !s.done()) return errc::bad_payload;
        break;
    }
    case packet_type::ack:
    case packet_type::binary_ack: {
        if (!s.eat('[')) return errc::bad_payload;
        if (!s.eat(']')) {
            out.args = detail::rest_of_array(s);
            do {
                if (!s.value()) return errc::bad_payload;
            } while (s.eat(','));
            if (!s.eat(']')) return errc::bad_payload;
        }
        if (!s.done()) return errc::bad_payload;
        break;
    }
    }
    if (s.bad_placeholder()) return errc::bad_placeholder;
    return {};
}

/// True when `text` is one JSON array (whitespace around allowed), checked
/// strictly by json::validate (grammar, escapes, UTF-8), so what goes out is
/// JSON a server accepts.
inline bool is_array(std::string_view text, std::size_t max_depth = 64) noexcept {
    detail::scanner s(text, 0, 0, false);
    return s.at('[') && !json::validate(text, json::validate_options{static_cast<std::uint32_t>(max_depth)});
}
/// True when `text` is one JSON object (whitespace around allowed), checked as is_array() does.
inline bool is_object(std::string_view text, std::size_t max_depth = 64) noexcept {
    detail::scanner s(text, 0, 0, false);
    return s.at('{') && !json::validate(text, json::validate_options{static_cast<std::uint32_t>(max_depth)});
}
/// The elements of a well-formed JSON array text, trimmed ("[1, 2]" -> "1, 2").
inline std::string_view array_inner(std::string_view array) noexcept {
    detail::scanner s(array, 64, 0, false);
    if (!s.eat('[')) return {};
    return detail::rest_of_array(s);
}

/// The first element of an argument list as the session reports it (the
/// JSON elements without brackets: `{"a":1},2` -> `{"a":1}`); "" when the
/// list is empty or does not start with a well-formed value.
inline std::string_view first_arg(std::string_view args) noexcept {
    detail::scanner s(args, 64, 0, false);
    s.ws();
    const std::size_t from = s.pos();
    if (!s.value()) return {};
    return args.substr(from, s.pos() - from);
}

/// Appends `text` as a JSON string (quotes included; '"', '\\' and control
/// characters escaped). Returns false, with `out` unchanged, when `text` is
/// not UTF-8.
inline bool append_json_string(std::string_view text, std::string& out) { return !json::write(text, out); }

} // namespace sluice::socketio
