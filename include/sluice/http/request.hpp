#pragma once
// sluice/http/request.hpp: the HTTP/1.1 request writer (the WebSocket upgrade,
// REST calls).
//
// The writer appends to a std::string the caller owns (for a machine, the
// payload arena of its action queue), so a request is written once, in its
// final place. Every piece is validated: a header value with CR or LF (header
// injection) is refused, and the string is restored as it was.
//
// Includes: <cstddef>, <cstdint>, <string>, <string_view>, <system_error>;
// http/error.hpp for errc, http/syntax.hpp for token and field checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/http/error.hpp>
#include <sluice/http/syntax.hpp>

namespace sluice::http {

/// Writes one request into `out`:
///
///     std::string out;
///     http::request_writer w(out, "POST", "/api/v10/channels/1/messages");
///     w.header("Host", "discord.com").header("Authorization", token);
///     if (auto ec = w.finish(json_body)) { /* caller error: nothing was written */ }
///
/// Errors are sticky and reported by finish(): errc::invalid_method,
/// errc::invalid_target, errc::invalid_header_name, errc::invalid_header_value
/// (all condition::misuse). On error `out` is truncated back to the size it
/// had when the writer was constructed. The writer must not outlive `out`.
class request_writer {
public:
    /// Appends the request line "METHOD target HTTP/1.1". `method` must be a
    /// token; `target` non-empty, without spaces or control characters.
    request_writer(std::string& out, std::string_view method, std::string_view target)
        : out_(out), start_(out.size()), body_expected_(method == "POST" || method == "PUT" || method == "PATCH") {
        if (!is_token(method)) fail(errc::invalid_method);
        else if (!valid_target(target)) fail(errc::invalid_target);
        else out_.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    }

    /// Appends "name: value". A Content-Length or Transfer-Encoding set here
    /// replaces the one finish() would add.
    request_writer& header(std::string_view name, std::string_view value) {
        if (ec_) return *this;
        if (!is_token(name)) {
            fail(errc::invalid_header_name);
            return *this;
        }
        for (char c : value)
            if (!is_field_char(c)) {
                fail(errc::invalid_header_value);
                return *this;
            }
        if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) framed_ = true;
        out_.append(name).append(": ").append(trim_ows(value)).append("\r\n");
        return *this;
    }

    /// Appends a block of header lines "Name: value\r\n" (the header block of
    /// sluice::open_request), validating each like header().
    request_writer& header_block(std::string_view block) {
        while (!block.empty() && !ec_) {
            const std::size_t end = block.find("\r\n");
            if (end == std::string_view::npos) {
                fail(errc::invalid_header_value); // a block line must end in CRLF
                break;
            }
            const std::string_view line = block.substr(0, end);
            block.remove_prefix(end + 2);
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                fail(errc::invalid_header_name);
                break;
            }
            header(line.substr(0, colon), line.substr(colon + 1));
        }
        return *this;
    }

    /// Ends the head and appends `body`. Adds "Content-Length: N" unless a
    /// framing header was given, when the body is non-empty or the method is
    /// POST, PUT or PATCH. Returns the first error of any call (and then
    /// `out` is back to its original size), or an empty code.
    std::error_code finish(std::string_view body = {}) {
        if (ec_) return ec_;
        if (!framed_ && (!body.empty() || body_expected_)) {
            char digits[24];
            char* p = digits + sizeof digits;
            std::uint64_t n = body.size();
            do {
                *--p = static_cast<char>('0' + n % 10);
                n /= 10;
            } while (n != 0);
            out_.append("Content-Length: ").append(p, static_cast<std::size_t>(digits + sizeof digits - p)).append("\r\n");
        }
        out_.append("\r\n").append(body);
        return {};
    }

    /// The first error so far (empty while everything was valid).
    std::error_code error() const noexcept { return ec_; }

private:
    static constexpr bool valid_target(std::string_view target) noexcept {
        if (target.empty()) return false;
        for (char c : target)
            if (c == ' ' || c == '\t' || !is_field_char(c)) return false;
        return true;
    }
    void fail(errc e) {
        if (!ec_) ec_ = make_error_code(e);
        out_.resize(start_);
    }
    std::string& out_;
    std::size_t start_;
    std::error_code ec_;
    bool body_expected_;
    bool framed_ = false;
};

} // namespace sluice::http
