#pragma once
// The fuzz input of the gateway-protocol fuzzers (i386chat, nightingale,
// singyeong): a script of records, each [op][len lo][len hi][payload], that
// drives a client machine: a server message, time passing, the transport
// opening or closing, a user command. A truncated record ends the script.
//
// play() runs a script against any of those clients: the transport and time
// records are the same for all of them; the protocol's commands, its restart
// and its invariant checks are the caller's hooks.
//
// Includes: <chrono> (time steps), <cstddef>, <cstdint>, <string_view>;
// sluice/core/time.hpp and core/transport.hpp (instant, close_info, message_type).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>

namespace fuzz_script {

enum class op : std::uint8_t {
    message,   ///< a text message from the server
    advance,   ///< time passes: payload bytes 0-1 = milliseconds (times the script's step), then handle_timeout
    close,     ///< the transport ends: payload bytes 0-1 = close code (none when empty)
    open,      ///< the transport opened
    command,   ///< a user command (protocol-specific, from the payload)
    binary,    ///< a binary message from the server
    deadline,  ///< jump to next_deadline() and handle_timeout
    restart,   ///< close() then start() again
};

struct record {
    op kind;
    std::string_view payload;
};

class reader {
public:
    reader(const std::uint8_t* data, std::size_t size) : p_(reinterpret_cast<const char*>(data)), n_(size) {}
    bool next(record& r) {
        if (n_ < 3) return false;
        const auto kind = static_cast<std::uint8_t>(p_[0]) % 8;
        const std::size_t len = static_cast<std::uint8_t>(p_[1]) | static_cast<std::size_t>(static_cast<std::uint8_t>(p_[2])) << 8;
        if (n_ - 3 < len) return false;
        r = {static_cast<op>(kind), std::string_view(p_ + 3, len)};
        p_ += 3 + len;
        n_ -= 3 + len;
        return true;
    }
    static std::uint16_t u16(std::string_view s) noexcept {
        if (s.size() < 2) return s.empty() ? 0 : static_cast<std::uint8_t>(s[0]);
        return static_cast<std::uint16_t>(static_cast<std::uint8_t>(s[0]) | static_cast<std::uint8_t>(s[1]) << 8);
    }

private:
    const char* p_;
    std::size_t n_;
};

/// A command record split as the fuzzers read it: `which` from the first
/// byte (modulo `choices`), `rest` the bytes after it.
struct command_args {
    std::uint8_t which;
    std::string_view rest;
};
inline command_args split_command(std::string_view payload, std::uint8_t choices) noexcept {
    if (payload.empty()) return {0, payload};
    return {static_cast<std::uint8_t>(static_cast<std::uint8_t>(payload[0]) % choices), payload.substr(1)};
}

/// Plays the script in [data, data + size) against client `c` from `now`
/// (advanced as the script says). `command(payload)` runs a command record,
/// `restart()` closes and starts the client again, `check()` drains and
/// checks the client's actions; it runs after every record. An advance
/// record moves time by its milliseconds times `step`.
template <class Client, class Command, class Restart, class Check>
void play(Client& c, const std::uint8_t* data, std::size_t size, sluice::instant& now, Command&& command, Restart&& restart,
          Check&& check, int step = 1) {
    reader in(data, size);
    record r;
    while (in.next(r)) {
        switch (r.kind) {
        case op::message: (void)c.on_message(r.payload, sluice::message_type::text, now); break;
        case op::binary: (void)c.on_message(r.payload, sluice::message_type::binary, now); break;
        case op::advance:
            now += std::chrono::milliseconds(reader::u16(r.payload)) * step;
            c.handle_timeout(now);
            break;
        case op::deadline:
            if (!c.next_deadline().is_never()) now = c.next_deadline();
            c.handle_timeout(now);
            break;
        case op::close:
            if (r.payload.empty()) (void)c.on_close(sluice::close_info{}, now);
            else (void)c.on_close(sluice::close_info{reader::u16(r.payload), {}}, now);
            break;
        case op::open: (void)c.on_open(now); break;
        case op::command: command(r.payload); break;
        case op::restart: restart(); break;
        }
        check();
    }
}

} // namespace fuzz_script
