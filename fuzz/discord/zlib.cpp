// fuzz_discord_zlib: discord::zlib_stream under arbitrary compressed bytes,
// checked against a one-shot inflate of the same payloads.
//
// The input is a script of fuzz/support/script.hpp records, read here as:
//   binary    a binary message: raw bytes for the inflate context
//   command   the payload deflated by this target's own server-side stream
//             (a sync flush), sent as 1-3 binary messages split where byte 0
//             says: valid data, so the fuzzer reaches the inner machine
//   message   a text message (passes through untouched)
//   open / close   a new connection (a new context on both sides) / its end
//   restart   the payload limit (max_inflated, or decompressor().max_payload
//             since the zstd refactor) = 16 + u16(payload): small limits are reached
//   advance / deadline   handle_timeout
// The inner machine records what reaches it. Checked on every message:
//  - nothing is delivered only while partial() says a payload is in
//    progress, or for a complete payload that inflates to nothing; text
//    messages arrive as they were sent;
//  - a complete payload (ending 00 00 ff ff) is delivered as text equal to a
//    reference inflate (one call, one big buffer, with the reference's own
//    context) when that succeeds within the limit with all input used,
//    and as an empty binary message (the failure signal) when it does not;
//    after a failure the contexts may differ, so the comparison resumes on
//    the next connection;
//  - the buffers stay bounded by the limit.
#include <sluice/discord/zlib_stream.hpp>

#include "../support/script.hpp"

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace sluice;

void check(bool ok) {
    if (!ok) std::abort();
}

// The inner machine: records each message it is handed.
struct recorder {
    int count = 0;
    std::string last;
    message_type type = message_type::text;
    std::error_code on_open(instant) { return {}; }
    std::error_code on_message(std::string_view s, message_type t, instant) {
        ++count;
        last.assign(s);
        type = t;
        return {};
    }
    std::error_code on_close(close_info, instant) { return {}; }
    void handle_timeout(instant) {}
    instant next_deadline() const noexcept { return instant::never(); }
    struct entry {};
    const entry* poll() noexcept { return nullptr; }
};
static_assert(message_machine<recorder>);

// The payload limit, wherever the wrapper keeps it.
template <class S>
std::size_t& limit(S& s) {
    if constexpr (requires { s.max_inflated; }) return s.max_inflated;
    else return s.decompressor().max_payload;
}

bool ends_with_suffix(std::string_view s) {
    return s.size() >= 4 && s.substr(s.size() - 4) == std::string_view("\x00\x00\xff\xff", 4);
}

struct zs {
    z_stream z{};
    bool inflating;
    explicit zs(bool inf) : inflating(inf) { check((inf ? inflateInit(&z) : deflateInit(&z, 6)) == Z_OK); }
    ~zs() {
        if (inflating) inflateEnd(&z);
        else deflateEnd(&z);
    }
    zs(const zs&) = delete;
    zs& operator=(const zs&) = delete;
    void reset() { check((inflating ? inflateReset(&z) : deflateReset(&z)) == Z_OK); }
};

struct run {
    discord::zlib_stream<recorder> s;
    zs ref{true};  // the reference inflate context
    zs defl{false}; // the server's deflate stream
    std::string ref_in, ref_out, deflated;
    bool in_sync = true; // false after a failure, until the next connection
    instant now = instant::zero();

    run() { limit(s) = 1 << 16; }

    void open() {
        (void)s.on_open(now);
        ref.reset();
        defl.reset();
        ref_in.clear();
        in_sync = true;
    }

    // The reference verdict on a complete payload: true and the text in ref_out, or false.
    bool reference(std::string_view payload) {
        ref_out.assign(limit(s) + 1, '\0');
        ref.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
        ref.z.avail_in = static_cast<uInt>(payload.size());
        ref.z.next_out = reinterpret_cast<Bytef*>(ref_out.data());
        ref.z.avail_out = static_cast<uInt>(ref_out.size());
        const int r = inflate(&ref.z, Z_SYNC_FLUSH);
        ref_out.resize(ref_out.size() - ref.z.avail_out);
        return (r == Z_OK || r == Z_STREAM_END) && ref.z.avail_in == 0 && ref_out.size() <= limit(s);
    }

    void binary(std::string_view bytes) {
        const int before = s.inner().count;
        (void)s.on_message(bytes, message_type::binary, now);
        const recorder& in = s.inner();
        ref_in.append(bytes);
        const bool complete = ends_with_suffix(ref_in);
        if (in.count == before) { // nothing delivered: the payload goes on, or it inflated to nothing
            if (complete) {
                check(!in_sync || (reference(ref_in) && ref_out.empty()));
                ref_in.clear();
            } else {
                check(s.partial() || ref_in.empty()); // (an empty message may change nothing)
            }
            return;
        }
        check(in.count == before + 1 && !s.partial());
        if (in.type == message_type::binary) { // the failure signal
            check(in.last.empty());
            // Corrupt or over the limit (an input over the limit may fail before its end).
            if (in_sync) check(!reference(ref_in) || (!complete && ref_in.size() > limit(s)));
            in_sync = false;
        } else if (in_sync) {
            check(reference(ref_in) && in.last == ref_out);
        }
        ref_in.clear();
    }

    void deflate_and_send(std::string_view text) {
        deflated.assign(text.size() + text.size() / 8 + 1024, '\0');
        defl.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        defl.z.avail_in = static_cast<uInt>(text.size());
        defl.z.next_out = reinterpret_cast<Bytef*>(deflated.data());
        defl.z.avail_out = static_cast<uInt>(deflated.size());
        const int z = deflate(&defl.z, Z_SYNC_FLUSH); // Z_BUF_ERROR: nothing new to flush
        check((z == Z_OK || z == Z_BUF_ERROR) && defl.z.avail_in == 0);
        if (z == Z_BUF_ERROR) return;
        deflated.resize(deflated.size() - defl.z.avail_out);
        const std::string_view d = deflated;
        const std::size_t cut = text.empty() ? 0 : static_cast<std::uint8_t>(text[0]) % (d.size() + 1);
        if (cut > 0 && cut < d.size()) {
            binary(d.substr(0, cut));
            binary(d.substr(cut));
        } else {
            binary(d);
        }
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run r;
    r.open();
    fuzz_script::reader in(data, size);
    fuzz_script::record rec;
    while (in.next(rec)) {
        switch (rec.kind) {
        case fuzz_script::op::binary: r.binary(rec.payload); break;
        case fuzz_script::op::command: r.deflate_and_send(rec.payload); break;
        case fuzz_script::op::message: {
            const int before = r.s.inner().count;
            (void)r.s.on_message(rec.payload, message_type::text, r.now);
            check(r.s.inner().count == before + 1 && r.s.inner().type == message_type::text && r.s.inner().last == rec.payload);
            break;
        }
        case fuzz_script::op::open: r.open(); break;
        case fuzz_script::op::close:
            (void)r.s.on_close(close_info{}, r.now);
            r.open();
            break;
        case fuzz_script::op::restart:
            limit(r.s) = 16 + fuzz_script::reader::u16(rec.payload);
            break;
        case fuzz_script::op::advance:
        case fuzz_script::op::deadline:
            r.now += std::chrono::seconds(1);
            r.s.handle_timeout(r.now);
            break;
        }
        check(r.s.buffer_bytes() <= 2 * (limit(r.s) + 4 * 65536) + 65536);
    }
    return 0;
}
