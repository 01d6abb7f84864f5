#pragma once
// sluice/discord/policy.hpp: the Discord gateway as a gateway-engine policy.
//
// What it tells the engine (see gateway/policy.hpp for the hooks):
//  - frames are {"op","d","s","t"}; op 10 hello (d.heartbeat_interval), op 11
//    ack, op 1 from the server asks for a beat now, op 0 dispatch (READY and
//    RESUMED are the ready/resumed frames), op 7 reconnect, op 9 invalid
//    session (d: resumable);
//  - identify (op 2) is rendered once, at construction, and copied into the
//    arena on each identify; resume (op 6) and heartbeat (op 1) are written
//    in place;
//  - connections go to `gateway_url` + "/?v=10&encoding=json" (plus
//    "&compress=zlib-stream" or "&compress=zstd-stream" when configured); a resume goes to READY's
//    resume_gateway_url with the same query;
//  - close codes: close_codes.hpp; our own closes use 4000 (resumable:
//    anything but 1000/1001 keeps the session), 1000 to end the session, 1009
//    for a message over the inbound limit;
//  - limits: 4096-byte outbound payloads, 120 sends per 60 s per connection
//    (the engine keeps slots for heartbeats), op 9 waits 1-5 s before
//    identifying again.
//
// Leniency (PROTOCOLS.md: decode leniently): unknown keys are skipped; `s` and
// `t` may be missing or null on any op; `d` may be missing; an unknown op is
// delivered as a notice.
//
// What is checked on arrival: the envelope (op, s, t). `d` is checked when it
// is decoded (discord::decode, json::read of gateway::data()), so the hot
// path walks it once. Frames in Discord's own order (t, s, op, then d last)
// take a fast path that finds `d` without reading it; any other order is read
// in full (and `d` is then known to be well-bracketed JSON). A frame in
// Discord's order with extra keys after `d` makes decoding `d` fail with
// json::errc::trailing_content rather than return wrong values.
// config::strict_json checks every message fully on arrival instead.
//
// Includes: <array>, <bit> (countr_zero), <cstdint>, <cstring> (memcpy for
// word loads), <optional>, <string>, <string_view>, <system_error>;
// core/snowflake.hpp (its 8-digit word parse, for the sequence);
// core/transport.hpp (message_type); gateway/policy.hpp,
// gateway/session.hpp (config defaults); json/read.hpp (and its block scan for
// the envelope fast path); discord/commands.hpp,
// discord/close_codes.hpp, discord/types.hpp (text()).
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/snowflake.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/discord/close_codes.hpp>
#include <sluice/discord/commands.hpp>
#include <sluice/discord/types.hpp>
#include <sluice/gateway/policy.hpp>
#include <sluice/gateway/session.hpp>
#include <sluice/json/read.hpp>

namespace sluice::discord {

/// Discord's fixed facts for the engine.
inline constexpr gateway::protocol_traits traits = [] {
    gateway::protocol_traits t;
    t.server_hello = true;
    t.client_identifies = true;
    t.resumable = true;
    t.sequenced = true;
    t.jitter_first_heartbeat = true;
    t.close_code_resume = 4000;
    t.close_code_end = 1000;
    t.close_code_malformed = 4000;
    t.close_code_too_large = 1009;
    t.max_inbound = std::size_t{64} << 20; // READY of a large bot, uncompressed
    t.max_outbound = 4096;
    t.rate_limit = 120;
    t.rate_window = std::chrono::seconds(60);
    t.invalid_session_delay_min = std::chrono::seconds(1);
    t.invalid_session_delay_max = std::chrono::seconds(5);
    return t;
}();

/// Transport compression asked for in the URL.
enum class transport_compression : std::uint8_t {
    none,
    zlib_stream, ///< "&compress=zlib-stream": wrap the client in discord::zlib_stream (zlib_stream.hpp)
    zstd_stream, ///< "&compress=zstd-stream": wrap the client in discord::zstd_stream (zstd_stream.hpp)
};

/// A Discord gateway client's configuration. Views are read only while the
/// client is constructed (identify is rendered then).
struct config {
    std::string_view token{};     ///< the bot token (without "Bot ")
    std::uint64_t intents = 0;  ///< discord::intents flags
    identify_properties properties{};
    std::optional<std::array<std::uint32_t, 2>> shard{}; ///< [shard_id, num_shards]
    std::optional<presence_update> presence{};           ///< initial presence
    std::optional<std::uint32_t> large_threshold{};
    std::string_view gateway_url = "wss://gateway.discord.gg"; ///< from GET /gateway/bot, or this
    std::uint32_t version = 10;
    transport_compression compress = transport_compression::none;
    bool strict_json = false; ///< check every inbound message fully (slower), not just the envelope
    /// The engine's settings (permit gate, timeouts, backoff, limits).
    gateway::config engine = gateway::config::from(traits);
};

namespace detail {

struct envelope {
    int op = -1;
    std::optional<json::raw> d;
    std::optional<std::uint64_t> s;
    std::optional<std::string_view> t;
};

// The fast path for the order Discord sends: {"t":...,"s":...,"op":N,"d":<value>}
// with d last. Reads t, s and op (in any order, before d) and takes d as
// everything from its first byte to the frame's closing brace, without
// reading it: decoding d reads (and checks) it once. A frame without d
// ({"op":11}) needs op only. Any other shape (a key other than t/s/op before
// d, d before one of them, escapes in keys or t, a frame not ending in '}',
// numbers out of range) returns false and the full reader decides.
// One compare for the usual non-whitespace byte (everything above ' ').
constexpr bool is_ws(char c) noexcept {
    return static_cast<unsigned char>(c) <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

// The four bytes at p as a word (for compares against key_word()).
inline std::uint32_t load4(const char* p) noexcept {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}
constexpr std::uint32_t key_word(const char (&k)[5]) noexcept { // "\"t\":" etc., in memory order
    std::uint32_t w = 0;
    for (int i = 0; i < 4; ++i) {
        const auto b = static_cast<std::uint32_t>(static_cast<unsigned char>(k[i]));
        w |= std::endian::native == std::endian::little ? b << (8 * i) : b << (24 - 8 * i);
    }
    return w;
}

// d as everything from p (its first byte) to `last` (the frame's closing
// brace), trailing whitespace left out; false when that cannot be one value
// (a truncated frame whose own last brace closed d goes to the full reader).
inline bool take_d(const char* p, const char* last, envelope& env) noexcept {
    const char* e = last;
    while (e != p && is_ws(e[-1])) --e;
    if (e == p) return false;
    const char first = *p, end_char = e[-1];
    if ((first == '{' && (end_char != '}' || e - p < 2)) || (first == '[' && (end_char != ']' || e - p < 2)) ||
        (first == '"' && (end_char != '"' || e - p < 2)))
        return false;
    env.d = json::raw{std::string_view(p, static_cast<std::size_t>(e - p))};
    return true;
}

// 1 to 15 digits at p (16 bytes readable, little-endian only), found and read
// 8 at a time, as the sequence s: advances p; false for none, a leading zero,
// or 16 digits and more (the full reader's).
inline bool read_seq_digits(const char*& p, std::uint64_t& v) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    std::uint64_t bad = sluice::detail::non_digits(w);
    int digits = 0;
    if (bad == 0) {
        std::memcpy(&w, p + 8, 8);
        bad = sluice::detail::non_digits(w);
        if (bad == 0) return false;
        digits = 8;
    }
    digits += std::countr_zero(bad) >> 3;
    if (digits == 0 || (digits > 1 && *p == '0')) return false;
    // All digits (found above), at most 15: the value of one or two 8-digit words.
    namespace sd = sluice::detail;
    const auto n = static_cast<std::size_t>(digits);
    v = n <= 8 ? sd::eight_digits_value(sd::load_leading(p, n))
               : sd::eight_digits_value(sd::load_leading(p, n - 8)) * 100000000 + sd::eight_digits_value(sd::load8(p + n - 8));
    p += digits;
    return true;
}

// Discord's own shape of a dispatch, {"t":"NAME","s":SEQ,"op":D,"d":VALUE},
// compact, with a one-digit op: its fixed parts in word compares. False (env
// untouched) for anything else; the general loop then decides, the same way.
inline bool read_dispatch_shape(const char* p, const char* last, envelope& env) noexcept {
    if constexpr (std::endian::native != std::endian::little) return false;
    if (last - p < 8 || load4(p) != key_word("{\"t\"") || p[4] != ':' || p[5] != '"') return false;
    const char* const name = p + 6;
    const char* q = json::detail::find<json::detail::stop::string_special>(name, last);
    if (last - q < 6 + 16 || *q != '"' || load4(q) != key_word("\",\"s") || q[4] != '"' || q[5] != ':') return false;
    const char* const name_end = q;
    q += 6;
    std::uint64_t seq = 0;
    if (!read_seq_digits(q, seq) || last - q < 12 || load4(q) != key_word(",\"op") || load4(q + 4) != key_word("\":0,") ||
        load4(q + 8) != key_word("\"d\":"))
        return false; // op other than 0 (a dispatch's), or another shape
    if (is_ws(q[12]) || !take_d(q + 12, last, env)) return false; // take_d wants d's first byte
    env.op = 0;
    env.s = seq;
    env.t = std::string_view(name, static_cast<std::size_t>(name_end - name));
    return true;
}

inline bool read_envelope_fast(std::string_view text, envelope& env) noexcept {
    const char* p = text.data();
    const char* end = p + text.size();
    while (end != p && is_ws(end[-1])) --end;
    if (end == p || end[-1] != '}') return false;
    const char* const last = end - 1; // the closing brace of the frame
    if (read_dispatch_shape(p, last, env)) return true;
    const auto ws = [&] {
        while (is_ws(*p)) ++p; // stops at *last, '}', at the latest
    };
    ws();
    if (p == last || *p != '{') return false;
    ++p;
    bool have_op = false, have_s = false, have_t = false;
    for (;;) {
        char k; // 'd', 't', 's', 'o' for "op", '?' for any other key
        // Compact, as Discord writes them: "t": "s": "d": "op": in one word compare.
        const std::uint32_t w = last - p >= 5 ? load4(p) : 0;
        if (w == key_word("\"t\":") || w == key_word("\"s\":") || w == key_word("\"d\":")) {
            k = p[1];
            p += 4;
        } else if (w == key_word("\"op\"") && p[4] == ':') {
            k = 'o';
            p += 5;
        } else {
            ws();
            if (p == last || *p != '"') return false;
            const char* key = ++p;
            while (p != last && *p != '"' && *p != '\\') ++p;
            if (p == last || *p != '"') return false;
            const std::size_t klen = static_cast<std::size_t>(p - key);
            k = klen == 1 && (key[0] == 'd' || key[0] == 't' || key[0] == 's') ? key[0]
                : (klen == 2 && key[0] == 'o' && key[1] == 'p')                  ? 'o'
                                                                                 : '?'; // "o" is not "op"
            ++p;
            ws();
            if (p == last || *p != ':') return false;
            ++p;
        }
        ws();
        if (p == last) return false;
        if (k == 'd') return have_op && have_s && have_t && take_d(p, last, env);
        if (k == 't') {
            if (have_t) return false;
            have_t = true;
            if (*p == 'n') {
                if (last - p < 4 || std::string_view(p, 4) != "null") return false;
                p += 4;
                env.t.reset();
            } else {
                if (*p != '"') return false;
                const char* v = ++p;
                p = json::detail::find<json::detail::stop::string_special>(p, last); // 16 or 32 bytes a step
                if (p == last || *p != '"') return false; // an escape, a control or non-ASCII byte: the full reader
                env.t = std::string_view(v, static_cast<std::size_t>(p - v));
                ++p;
            }
        } else if (k == 's' || k == 'o') {
            const bool is_s = k == 's';
            if (is_s ? have_s : have_op) return false;
            (is_s ? have_s : have_op) = true;
            if (*p == 'n') {
                if (!is_s || last - p < 4 || std::string_view(p, 4) != "null") return false;
                p += 4;
                env.s.reset();
            } else if (std::endian::native == std::endian::little && is_s && last - p >= 16) {
                // The sequence (often 5 to 10 digits): its digits found and read 8 at a time.
                std::uint64_t v = 0;
                if (!read_seq_digits(p, v)) return false;
                env.s = v;
            } else if (!is_s && last - p >= 2 && static_cast<unsigned char>(p[0] - '0') < 10 &&
                       static_cast<unsigned char>(p[1] - '0') >= 10) {
                env.op = p[0] - '0'; // one digit, as most opcodes are
                ++p;
            } else {
                std::uint64_t v = 0;
                int digits = 0;
                while (p != last && static_cast<unsigned char>(*p - '0') < 10 && digits < 19) {
                    v = v * 10 + static_cast<std::uint64_t>(*p - '0');
                    ++p;
                    ++digits;
                }
                if (digits == 0 || (digits > 1 && p[-digits] == '0') || (p != last && *p >= '0' && *p <= '9')) return false;
                if (is_s) env.s = v;
                else if (v > 0x7fffffff) return false;
                else env.op = static_cast<int>(v);
            }
        } else {
            return false;
        }
        ws();
        if (p == last) return have_op; // a frame without d, e.g. {"op":11}: t and s are optional
        if (*p != ',') return false;
        ++p;
    }
}

struct hello_data {
    std::int64_t heartbeat_interval = 0;
};

struct ready_session {
    json::raw session_id;
    std::optional<json::raw> resume_gateway_url;
};

} // namespace detail

/// The policy. Owns one string: the rendered identify frame (whose token
/// resume reuses) followed by the gateway URL.
class policy {
public:
    static constexpr gateway::protocol_traits traits = discord::traits;

    /// Renders identify. A configuration error (empty token, bad shard,
    /// identify over 4096 bytes, invalid UTF-8) is kept in error(); the
    /// client refuses to start with it.
    explicit policy(const config& c)
        : version_(c.version), compress_(c.compress), strict_(c.strict_json) {
        identify_args a{c.token, c.intents, c.properties, c.shard, c.presence, c.large_threshold};
        error_ = discord::write_identify(identify_, a);
        identify_size_ = static_cast<std::uint32_t>(identify_.size());
        identify_.append(c.gateway_url); // one buffer: identify, then the gateway URL
        // Resume reuses the token as identify wrote it (escaped): it is the
        // JSON string right after the fixed prefix, up to ',"intents"'.
        constexpr std::string_view prefix = "{\"op\":2,\"d\":{\"token\":";
        if (!error_) {
            token_at_ = static_cast<std::uint32_t>(prefix.size());
            token_size_ = static_cast<std::uint32_t>(identify_.find(",\"intents\":", token_at_) - token_at_);
        }
        if (!error_ && identify_size_ > c.engine.max_outbound && c.engine.max_outbound != 0)
            error_ = gateway::errc::payload_too_large;
        if (!error_ && c.gateway_url.empty()) error_ = errc::invalid_argument;
        // Kept for the session's life: no slack (a copy is exact; shrink_to_fit
        // does nothing in libstdc++ without exceptions).
        if (identify_.capacity() > identify_.size()) std::string(identify_).swap(identify_);
    }

    /// A configuration error found at construction, or empty.
    std::error_code error() const noexcept { return error_; }

    // ---- the engine's hooks (gateway/policy.hpp)

    std::error_code classify(std::string_view text, message_type type, gateway::frame& f) const {
        if (type != message_type::text) return gateway::errc::malformed_frame; // binary needs zlib_stream
        detail::envelope env;
        if (strict_ || !detail::read_envelope_fast(text, env)) {
            env = {};
            json::read_options opts;
            opts.strict = strict_;
            if (json::read(env, text, opts)) return gateway::errc::malformed_frame;
        }
        f.code = env.op;
        f.seq = env.s;
        if (env.d) f.data = env.d->text;
        switch (static_cast<opcode>(env.op)) {
        case opcode::dispatch: {
            if (!env.t || env.t->empty() || !env.d) return gateway::errc::malformed_frame;
            f.name = *env.t;
            f.kind = gateway::frame_kind::dispatch;
            if (f.name.size() == 5 && f.name[0] == 'R' && f.name == "READY") f.kind = gateway::frame_kind::ready;
            else if (f.name.size() == 7 && f.name[0] == 'R' && f.name == "RESUMED") f.kind = gateway::frame_kind::resumed;
            return {};
        }
        case opcode::heartbeat: f.kind = gateway::frame_kind::heartbeat_request; return {};
        case opcode::heartbeat_ack: f.kind = gateway::frame_kind::heartbeat_ack; return {};
        case opcode::reconnect: f.kind = gateway::frame_kind::reconnect; return {};
        case opcode::invalid_session:
            f.kind = gateway::frame_kind::invalid_session;
            f.flag = env.d && env.d->text == "true";
            return {};
        case opcode::hello: {
            detail::hello_data h;
            if (!env.d || json::read(h, env.d->text) || h.heartbeat_interval <= 0) return gateway::errc::malformed_frame;
            f.kind = gateway::frame_kind::hello;
            f.heartbeat_interval = from_ms(h.heartbeat_interval);
            return {};
        }
        default: f.kind = gateway::frame_kind::other; return {};
        }
    }

    std::error_code on_ready(const gateway::frame& f, gateway::session_data& s) const {
        detail::ready_session r;
        if (json::read(r, f.data)) return gateway::errc::missing_session;
        std::string scratch;
        s.id.assign(text(r.session_id, scratch));
        if (r.resume_gateway_url) s.resume_url.assign(text(*r.resume_gateway_url, scratch));
        // Both travel again (resume frame, open URL): they must be writable text.
        scratch.clear();
        if (s.id.empty() || json::write(s.id, scratch) || json::write(s.resume_url, scratch)) return gateway::errc::missing_session;
        return {};
    }

    void write_open(std::string& out, gateway::connect_kind kind, const gateway::session_data& s) const {
        const std::string_view base =
            kind == gateway::connect_kind::resume && !s.resume_url.empty() ? std::string_view(s.resume_url) : gateway_url();
        append_url(out, base);
    }

    void write_identify(std::string& out) const { out.append(identify_, 0, identify_size_); }

    bool write_resume(std::string& out, const gateway::session_data& s) const {
        out.append("{\"op\":6,\"d\":{\"token\":");
        out.append(std::string_view(identify_).substr(token_at_, token_size_));
        out.append(",\"session_id\":");
        if (json::write(s.id, out)) return false; // the id came from READY, already checked UTF-8
        out.append(",\"seq\":");
        detail::append_number(out, s.seq.value_or(0));
        out.append("}}");
        return true;
    }

    void write_heartbeat(std::string& out, std::optional<std::uint64_t> seq) const { discord::write_heartbeat(out, seq); }

    gateway::close_verdict on_close_code(std::uint16_t code) const noexcept { return close_code_verdict(code); }
    /// A refused upgrade: 401/403 stop, anything else is retried after the backoff (gateway::default_open_refused).
    gateway::close_verdict on_open_refused(std::uint16_t status) const noexcept { return gateway::default_open_refused(status); }

    /// `base` with "/?v=N&encoding=json[&compress=zlib-stream|zstd-stream]" appended
    /// ("&..." when base already has a query).
    void append_url(std::string& out, std::string_view base) const {
        out.append(base);
        if (base.find('?') != std::string_view::npos) out.push_back('&');
        else if (!base.empty() && base.back() == '/') out.push_back('?');
        else out.append("/?");
        out.append("v=");
        detail::append_number(out, std::uint64_t{version_});
        out.append("&encoding=json");
        switch (compress_) {
        case transport_compression::none: break;
        case transport_compression::zlib_stream: out.append("&compress=zlib-stream"); break;
        case transport_compression::zstd_stream: out.append("&compress=zstd-stream"); break;
        }
    }

    transport_compression compression() const noexcept { return compress_; }
    /// The original gateway URL (without the query).
    std::string_view gateway_url() const noexcept { return std::string_view(identify_).substr(identify_size_); }
    /// Heap bytes held by the policy's strings.
    std::size_t heap_bytes() const noexcept {
        auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
        return str(identify_);
    }

private:
    std::string identify_; // the whole op 2 frame, then the gateway URL
    std::error_code error_;
    std::uint32_t identify_size_ = 0;
    std::uint32_t token_at_ = 0; // the token's JSON string inside identify_
    std::uint32_t token_size_ = 0;
    std::uint32_t version_;
    transport_compression compress_;
    bool strict_;
};

static_assert(gateway::protocol<policy>);

} // namespace sluice::discord
