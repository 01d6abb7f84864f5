// Fuzz the WebSocket client after a valid upgrade: arbitrary bytes from the
// "server", fed whole and split at points chosen by the input. Both runs
// must give identical actions; every message must respect the limit (and be
// UTF-8 when text); every transmit must be a well-formed masked client frame;
// after the closed event nothing more may come. The standalone frame parser
// runs on the same bytes too.
#include <sluice/ws/client.hpp>
#include <sluice/ws/frame.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t max_message = 4096;

void check_client_frames(std::string_view s) {
    while (!s.empty()) {
        if (s.size() < 6) std::abort();
        const auto b1 = static_cast<unsigned char>(s[1]);
        if ((b1 & 0x80) == 0) std::abort(); // client frames are masked
        std::size_t n = b1 & 0x7F, at = 2;
        if (n == 126) {
            n = static_cast<std::size_t>(static_cast<unsigned char>(s[2])) << 8 | static_cast<unsigned char>(s[3]);
            at = 4;
        } else if (n == 127) {
            std::abort(); // nothing the client sends here needs 64 bits
        }
        if (s.size() < at + 4 + n) std::abort();
        s.remove_prefix(at + 4 + n);
    }
}

std::string run(std::string_view server_bytes, std::size_t step) {
    sluice::xoshiro256 rng(1);
    sluice::ws::client_options options;
    options.max_message_size = max_message;
    sluice::ws::client c(rng, options);
    sluice::ws::upgrade_request req;
    req.host = "fuzz";
    (void)c.start(req, sluice::instant::from_ns(0));
    const auto* e = c.poll();
    std::string request(e->bytes);
    const std::string key = [&] {
        const auto at = request.find("Sec-WebSocket-Key: ") + 19;
        return request.substr(at, 24);
    }();
    const auto accept = sluice::ws::accept_for(key);
    const std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                                 std::string(accept.data(), accept.size()) + "\r\n\r\n";
    std::string log;
    bool closed = false;
    auto drain = [&] {
        while (const auto* a = c.poll()) {
            if (closed) std::abort(); // nothing after the closed event
            log += static_cast<char>('A' + static_cast<int>(a->action.kind));
            log += std::to_string(a->action.close_code);
            switch (a->action.kind) {
            case sluice::ws::action_kind::transmit: check_client_frames(a->bytes); break;
            case sluice::ws::action_kind::message:
                if (a->bytes.size() > max_message) std::abort();
                if (a->action.type == sluice::message_type::text && !sluice::ws::is_valid_utf8(a->bytes)) std::abort();
                break;
            case sluice::ws::action_kind::closed: closed = true; break;
            default: break;
            }
            log.append(a->bytes);
        }
    };
    c.receive(response, sluice::instant::from_ns(1));
    drain();
    for (std::size_t at = 0; at < server_bytes.size(); at += step) {
        c.receive(server_bytes.substr(at, step), sluice::instant::from_ns(2));
        drain();
    }
    c.transport_closed(sluice::instant::from_ns(3));
    drain();
    if (!closed) std::abort(); // a connection always ends with a closed event
    return log;
}

void run_frame_parser(std::string_view in) {
    sluice::ws::frame_parser p;
    for (;;) {
        const auto s = p.next(in);
        if (s.kind == sluice::ws::frame_parser::step_kind::need_more || s.kind == sluice::ws::frame_parser::step_kind::error) break;
        if (s.kind == sluice::ws::frame_parser::step_kind::header && sluice::ws::is_control(p.header().op) && p.header().length > 125)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t step = 1 + data[0] % 13;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (run(input, input.size() + 1) != run(input, step)) std::abort();
    run_frame_parser(input);
    return 0;
}
