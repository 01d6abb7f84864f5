#pragma once
// The fuzz input of the gateway-protocol fuzzers (i386chat, nightingale,
// singyeong): a script of records, each [op][len lo][len hi][payload], that
// drives a client machine: a server message, time passing, the transport
// opening or closing, a user command. A truncated record ends the script.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fuzz_script {

enum class op : std::uint8_t {
    message,   ///< a text message from the server
    advance,   ///< time passes: payload bytes 0-1 = milliseconds, then handle_timeout
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

} // namespace fuzz_script
