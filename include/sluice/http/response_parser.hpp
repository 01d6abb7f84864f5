#pragma once
// sluice/http/response_parser.hpp: the incremental HTTP/1.1 response parser.
//
// Bytes go in as they arrive, split anywhere; events come out one at a time:
// the head (status line and headers), body pieces, the end of the message.
// Any split of the input gives the same head and the same body bytes.
//
//     http::response_parser p;
//     std::string_view in = bytes_just_read;
//     for (;;) {
//         const http::parse_step s = p.parse(in);     // advances `in`
//         if (s.event == http::parse_event::need_more) break;   // read more
//         if (s.event == http::parse_event::head) { p.status(); p.header("content-type"); }
//         if (s.event == http::parse_event::body) consume(s.body);
//         if (s.event == http::parse_event::done) { /* whole response; `in` holds what follows */ }
//         if (s.event == http::parse_event::error) { p.error(); /* close the connection */ }
//     }
//     // on EOF: p.finish() ends an until-close body (or reports unexpected_eof)
//
// The head is copied into a buffer the parser reuses; body pieces are views
// into the caller's input, never copied. Bodies are framed per RFC 9112 §6.3:
// none (1xx, 204, 304, a HEAD request), Content-Length, chunked, or until the
// connection closes.
//
// Includes: <cstddef>, <cstdint>, <cstring> (memchr), <string>, <string_view>,
// <system_error>, <vector>; http/error.hpp, http/syntax.hpp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/http/error.hpp>
#include <sluice/http/syntax.hpp>

namespace sluice::http {

/// What one call of response_parser::parse() produced.
enum class parse_event : std::uint8_t {
    need_more, ///< all input was consumed; call again with more bytes
    head,      ///< the status line and headers are complete; read them with status(), header(), ...
    body,      ///< parse_step::body is the next piece of the body
    done,      ///< the response is complete; the unconsumed input belongs to what follows
    error,     ///< malformed or over a limit; error() says why; the parser stays failed
};

/// The result of parse() and finish().
struct parse_step {
    parse_event event = parse_event::need_more;
    /// For parse_event::body: a view into the input passed to parse(), valid
    /// as long as those bytes are.
    std::string_view body;
};

/// How the body of the current response is delimited (RFC 9112 §6.3).
enum class body_framing : std::uint8_t { none, content_length, chunked, until_close };

/// Limits on what a peer may send; exceeding one is an error with condition::limit_exceeded.
struct parse_limits {
    std::size_t max_head_bytes = 16 * 1024; ///< status line + header lines (line endings not counted)
    std::size_t max_headers = 64;           ///< header lines (and, separately, trailer lines)
    std::uint64_t max_body = 16u << 20;     ///< body bytes (decoded, for chunked); an until-close body gives this many, then body_too_large
    std::size_t max_line = 1024;            ///< a chunk-size line (with extensions) or a trailer line
};

/// The incremental response parser. Not copyable state beyond its buffers;
/// one object parses any number of responses in sequence (keep-alive).
class response_parser {
public:
    explicit response_parser(parse_limits limits = {}) : limits_(limits) {}

    /// Tells the parser the request was HEAD (or anything else whose response
    /// has no body whatever its headers say). Applies to the next response only.
    void expect_no_body() noexcept { no_body_ = true; }

    /// Consumes bytes from the front of `in` up to the next event and returns
    /// it. need_more means `in` is now empty. After done, the next call starts
    /// a new response (and invalidates the views of the previous head). After
    /// error every call returns error again.
    parse_step parse(std::string_view& in) {
        for (;;) {
            switch (state_) {
            case state::done: start_next(); continue;
            case state::failed: return {parse_event::error, {}};
            case state::head: {
                if (in.empty()) return {};
                if (!read_line(in, head_, limits_.max_head_bytes, errc::head_too_large)) {
                    if (state_ == state::failed) return {parse_event::error, {}};
                    continue;
                }
                if (const auto e = on_head_line(); e != parse_event::need_more) return {e, {}};
                continue;
            }
            case state::body_none: state_ = state::done; return {parse_event::done, {}};
            case state::body_length: {
                if (remaining_ == 0) {
                    state_ = state::done;
                    return {parse_event::done, {}};
                }
                if (in.empty()) return {};
                return {parse_event::body, take(in, remaining_)};
            }
            case state::body_until_close: {
                if (in.empty()) return {};
                // Up to the limit, then the error: the same events however the input is split.
                if (body_seen_ == limits_.max_body) return fail(errc::body_too_large);
                const std::size_t n = in.size() < limits_.max_body - body_seen_ ? in.size() : static_cast<std::size_t>(limits_.max_body - body_seen_);
                body_seen_ += n;
                const std::string_view piece = in.substr(0, n);
                in.remove_prefix(n);
                return {parse_event::body, piece};
            }
            case state::chunk_size: {
                if (in.empty()) return {};
                if (!read_line(in, line_, limits_.max_line, errc::line_too_long)) {
                    if (state_ == state::failed) return {parse_event::error, {}};
                    continue;
                }
                if (!on_chunk_size_line()) return {parse_event::error, {}};
                continue;
            }
            case state::chunk_data: {
                if (remaining_ == 0) {
                    state_ = state::chunk_data_cr;
                    continue;
                }
                if (in.empty()) return {};
                return {parse_event::body, take(in, remaining_)};
            }
            case state::chunk_data_cr:
            case state::chunk_data_lf: {
                if (in.empty()) return {};
                const char want = state_ == state::chunk_data_cr ? '\r' : '\n';
                if (in.front() != want) return fail(errc::bad_chunk_end);
                in.remove_prefix(1);
                state_ = state_ == state::chunk_data_cr ? state::chunk_data_lf : state::chunk_size;
                continue;
            }
            case state::trailers: {
                if (in.empty()) return {};
                if (!read_line(in, line_, limits_.max_line, errc::line_too_long)) {
                    if (state_ == state::failed) return {parse_event::error, {}};
                    continue;
                }
                if (line_.empty()) {
                    state_ = state::done;
                    return {parse_event::done, {}};
                }
                if (++trailer_count_ > limits_.max_headers) return fail(errc::too_many_headers);
                field f;
                if (const auto e = split_field(line_, f); e != errc{}) return fail(e);
                line_.clear();
                continue;
            }
            }
        }
    }

    /// The transport ended (EOF). Returns done when that ends an until-close
    /// body, error (errc::unexpected_eof) when a response was cut short, and
    /// need_more when no response had begun.
    parse_step finish() {
        switch (state_) {
        case state::body_until_close: state_ = state::done; return {parse_event::done, {}};
        case state::failed: return {parse_event::error, {}};
        case state::done: return {};
        case state::head:
            if (head_.empty() && !status_line_done_) return {};
            return fail(errc::unexpected_eof);
        default: return fail(errc::unexpected_eof);
        }
    }

    /// Forgets everything (including a failure) and waits for a new response.
    /// Keeps the buffers' memory.
    void reset() noexcept {
        start_next();
        no_body_ = false;
        ec_ = {};
    }

    /// Why the parser failed; empty before a failure.
    std::error_code error() const noexcept { return ec_; }

    // --- The head: valid from the head event until the next response starts
    // --- (the first parse() after done) or reset(). Views live as long.

    /// The status code (100..599).
    int status() const noexcept { return status_; }
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    int version_minor() const noexcept { return version_minor_; }
    /// The reason phrase (may be empty).
    std::string_view reason() const noexcept { return view(reason_); }
    /// The number of header fields.
    std::size_t header_count() const noexcept { return fields_.size(); }
    /// The i-th header field in the order received (i < header_count()).
    field header_at(std::size_t i) const noexcept { return {view(fields_[i].name), view(fields_[i].value)}; }
    /// The value of the first header named `name` (case-insensitive), or "" when absent.
    std::string_view header(std::string_view name) const noexcept {
        for (const auto& f : fields_)
            if (iequals(view(f.name), name)) return view(f.value);
        return {};
    }
    /// The number of header fields named `name` (case-insensitive).
    std::size_t count(std::string_view name) const noexcept {
        std::size_t n = 0;
        for (const auto& f : fields_) n += iequals(view(f.name), name);
        return n;
    }
    /// How the body is delimited.
    body_framing framing() const noexcept { return framing_; }
    /// The Content-Length (meaningful when framing() == content_length).
    std::uint64_t content_length() const noexcept { return content_length_; }

private:
    enum class state : std::uint8_t {
        head, body_none, body_length, body_until_close,
        chunk_size, chunk_data, chunk_data_cr, chunk_data_lf, trailers, done, failed,
    };
    struct span32 {
        std::uint32_t at = 0, size = 0;
    };
    struct field_span {
        span32 name, value;
    };

    std::string_view view(span32 s) const noexcept { return std::string_view(head_).substr(s.at, s.size); }
    span32 span_of(std::string_view part) const noexcept {
        return {static_cast<std::uint32_t>(part.data() - head_.data()), static_cast<std::uint32_t>(part.size())};
    }

    parse_step fail(errc e) {
        state_ = state::failed;
        ec_ = make_error_code(e);
        return {parse_event::error, {}};
    }

    bool reject(errc e) {
        fail(e);
        return false;
    }

    void start_next() noexcept {
        state_ = state::head;
        head_.clear();
        line_.clear();
        fields_.clear();
        line_start_ = 0;
        status_line_done_ = false;
        status_ = 0;
        version_minor_ = 0;
        reason_ = {};
        framing_ = body_framing::none;
        content_length_ = remaining_ = body_seen_ = 0;
        trailer_count_ = 0;
    }

    /// Up to `limit` bytes of body from the front of `in`.
    std::string_view take(std::string_view& in, std::uint64_t& limit) noexcept {
        const std::size_t n = limit < in.size() ? static_cast<std::size_t>(limit) : in.size();
        const std::string_view piece = in.substr(0, n);
        in.remove_prefix(n);
        limit -= n;
        return piece;
    }

    /// Appends bytes of `in` to `buf` up to and including the next LF. Returns
    /// true when a whole line is in `buf` (from line_start_ for the head, from
    /// 0 otherwise), with its CRLF removed. Fails on a bare LF, a stray CR or
    /// when `buf` would exceed `limit`.
    bool read_line(std::string_view& in, std::string& buf, std::size_t limit, errc too_long) {
        const void* lf = std::memchr(in.data(), '\n', in.size());
        const std::size_t n = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - in.data()) + 1 : in.size();
        if (n > limit - buf.size() + (lf ? 1 : 0)) {
            fail(too_long);
            return false;
        }
        buf.append(in.data(), n);
        in.remove_prefix(n);
        if (!lf) return false;
        const std::size_t start = &buf == &head_ ? line_start_ : 0;
        // The line is buf[start, size - 1) without its LF; it must end in CR.
        if (buf.size() - start < 2 || buf[buf.size() - 2] != '\r') {
            fail(errc::bad_line_ending);
            return false;
        }
        buf.resize(buf.size() - 2);
        if (std::memchr(buf.data() + start, '\r', buf.size() - start) != nullptr) {
            fail(errc::bad_line_ending); // a CR inside the line
            return false;
        }
        return true;
    }

    /// Splits "name: value" into a field (value trimmed). Returns the error, or errc{}.
    static errc split_field(std::string_view line, field& out) noexcept {
        if (line.front() == ' ' || line.front() == '\t') return errc::obsolete_line_folding;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return errc::bad_header;
        out.name = line.substr(0, colon);
        if (!is_token(out.name)) return errc::bad_header; // also rejects "name :" (RFC 9112 §5.1)
        out.value = trim_ows(line.substr(colon + 1));
        for (char c : out.value)
            if (!is_field_char(c)) return errc::bad_header;
        return errc{};
    }

    /// Handles the complete line head_[line_start_, size()). Returns head when
    /// the head ended, error on failure, need_more otherwise.
    parse_event on_head_line() {
        const std::string_view line = std::string_view(head_).substr(line_start_);
        if (!status_line_done_) {
            if (const auto e = parse_status_line(line); e != errc{}) return fail(e).event;
            status_line_done_ = true;
        } else if (line.empty()) {
            return end_of_head();
        } else {
            if (fields_.size() == limits_.max_headers) return fail(errc::too_many_headers).event;
            field f;
            if (const auto e = split_field(line, f); e != errc{}) return fail(e).event;
            fields_.push_back({span_of(f.name), span_of(f.value)});
        }
        line_start_ = head_.size();
        return parse_event::need_more;
    }

    errc parse_status_line(std::string_view line) noexcept {
        // "HTTP/1.1 200 OK": version, SP, three digits, then SP reason or nothing.
        if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[6] != '.' || line[8] != ' ') return errc::bad_status_line;
        if (line[5] != '1' || (line[7] != '0' && line[7] != '1')) return errc::bad_version;
        int code = 0;
        for (std::size_t i = 9; i < 12; ++i) {
            if (line[i] < '0' || line[i] > '9') return errc::bad_status_code;
            code = code * 10 + (line[i] - '0');
        }
        if (code < 100 || code > 599) return errc::bad_status_code;
        if (line.size() > 12 && line[12] != ' ') return errc::bad_status_code; // "2000"
        const std::string_view reason = line.size() > 13 ? line.substr(13) : line.substr(line.size());
        for (char c : reason)
            if (!is_field_char(c)) return errc::bad_status_line;
        version_minor_ = line[7] - '0';
        status_ = code;
        reason_ = span_of(reason);
        return errc{};
    }

    /// Chooses the body framing once the blank line arrives (RFC 9112 §6.3).
    parse_event end_of_head() {
        std::string_view transfer_coding; // the last coding listed, across every Transfer-Encoding field
        bool has_te = false, has_cl = false;
        std::uint64_t length = 0;
        for (const auto& fs : fields_) {
            const std::string_view name = view(fs.name), value = view(fs.value);
            if (iequals(name, "transfer-encoding")) {
                has_te = true;
                for_each_list_element(value, [&](std::string_view e) {
                    transfer_coding = e;
                    return false;
                });
            } else if (iequals(name, "content-length")) {
                bool ok = true;
                for_each_list_element(value, [&](std::string_view e) {
                    std::uint64_t n = 0;
                    ok = ok && parse_decimal(e, n) && (!has_cl || n == length); // "5, 5" is fine, "5, 6" is not
                    has_cl = true;
                    length = n;
                    return !ok;
                });
                if (!ok || value.empty()) return fail(errc::bad_content_length).event;
            }
        }
        const bool bodyless = no_body_ || status_ < 200 || status_ == 204 || status_ == 304;
        no_body_ = false;
        if (bodyless) {
            framing_ = body_framing::none;
            state_ = state::body_none;
        } else if (has_te && has_cl) {
            return fail(errc::conflicting_framing).event;
        } else if (has_te) {
            // Only a final "chunked" delimits the body; any other coding runs until close.
            framing_ = iequals(transfer_coding, "chunked") ? body_framing::chunked : body_framing::until_close;
            state_ = framing_ == body_framing::chunked ? state::chunk_size : state::body_until_close;
        } else if (has_cl) {
            if (length > limits_.max_body) return fail(errc::body_too_large).event;
            framing_ = body_framing::content_length;
            content_length_ = remaining_ = length;
            state_ = state::body_length;
        } else {
            framing_ = body_framing::until_close;
            state_ = state::body_until_close;
        }
        return parse_event::head;
    }

    static bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept {
        if (s.empty() || s.size() > 19) return false; // 19 digits cannot overflow 64 bits
        std::uint64_t n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        out = n;
        return true;
    }

    /// "1a3f;ext=1": hex digits, optional whitespace, optional extensions (ignored).
    bool on_chunk_size_line() {
        std::uint64_t n = 0;
        std::size_t i = 0;
        for (; i < line_.size(); ++i) {
            const char c = line_[i];
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else break;
            if (i == 16) return reject(errc::bad_chunk_size); // more than 64 bits
            n = n << 4 | static_cast<std::uint64_t>(d);
        }
        if (i == 0) return reject(errc::bad_chunk_size);
        std::string_view rest = std::string_view(line_).substr(i);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        if (!rest.empty() && rest.front() != ';') return reject(errc::bad_chunk_size);
        for (char c : rest)
            if (!is_field_char(c)) return reject(errc::bad_chunk_size);
        line_.clear();
        if (n > limits_.max_body - body_seen_) return reject(errc::body_too_large);
        body_seen_ += n;
        remaining_ = n;
        state_ = n == 0 ? state::trailers : state::chunk_data;
        return true;
    }

    parse_limits limits_;
    state state_ = state::head;
    bool no_body_ = false;
    bool status_line_done_ = false;
    std::error_code ec_;
    std::string head_;  // the status line and header lines, CRLFs removed; fields point into it
    std::string line_;  // the current chunk-size or trailer line
    std::vector<field_span> fields_;
    std::size_t line_start_ = 0;
    int status_ = 0;
    int version_minor_ = 0;
    span32 reason_;
    body_framing framing_ = body_framing::none;
    std::uint64_t content_length_ = 0;
    std::uint64_t remaining_ = 0;  // of the Content-Length body or the current chunk
    std::uint64_t body_seen_ = 0;  // for max_body with chunked and until-close bodies
    std::size_t trailer_count_ = 0;
};

} // namespace sluice::http
