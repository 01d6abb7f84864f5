// fuzz_ws_url: ws::parse_url on arbitrary text (a gateway's resume URL comes
// from the server: Discord's READY resume_gateway_url, reconnect hints) and,
// when it parses, the upgrade request written for it. Checked:
//  - a parsed URL has a host with no control bytes, space or brackets, a
//    port in 1..65535 (80/443 when none is given), and a target that starts
//    with '/' and holds no byte <= 0x20 or 0x7f;
//  - the views lie inside the input;
//  - the request written for it (when the writer accepts it) has exactly the
//    CRLFs of its lines: no header can be injected through the URL.
#include <sluice/ws/handshake.hpp>
#include <sluice/ws/url.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::ws::url u;
    if (sluice::ws::parse_url(text, u)) return 0;
    check(!u.host.empty() && inside(u.host, text));
    for (const char c : u.host) {
        const auto b = static_cast<unsigned char>(c);
        check(b > 0x20 && b != 0x7f && c != '[' && c != ']' && c != '/');
    }
    check(u.port != 0);
    check(!u.target.empty() && u.target.front() == '/');
    check(u.target == "/" || inside(u.target, text));
    for (const char c : u.target) {
        const auto b = static_cast<unsigned char>(c);
        check(b > 0x20 && b != 0x7f);
    }
    sluice::ws::upgrade_request req;
    req.host = u.host;
    req.port = u.port;
    req.tls = u.tls;
    req.target = u.target;
    std::string out;
    if (sluice::ws::write_upgrade_request(out, req, "dGhlIHNhbXBsZSBub25jZQ==")) return 0;
    // Each line ends with CRLF; a lone CR or LF, or one line too many, would be an injection.
    std::size_t lines = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\r') check(i + 1 < out.size() && out[i + 1] == '\n');
        if (out[i] == '\n') {
            check(i > 0 && out[i - 1] == '\r');
            ++lines;
        }
    }
    check(out.starts_with("GET /") && out.ends_with("\r\n\r\n"));
    check(lines == 7); // request line, Host, Upgrade, Connection, Key, Version, blank
    return 0;
}
