// Fuzz read() with a gateway envelope {op, d as raw, s, t} and a typed
// message. Checks, besides "no crash, no out-of-bounds, no UB":
//  - a strict read succeeds only on text validate() accepts;
//  - a strict read accepts nothing the fast read rejects, and both keep the
//    same raw `d`;
//  - a message read from `d` writes back as valid JSON that reads back equal.
#include <sluice/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = sluice::json;

struct envelope {
    int op;
    json::raw d;
    std::optional<std::int64_t> s;
    std::optional<std::string_view> t;
};

template <class Str>
struct attachment {
    Str id, url, filename;
    std::uint64_t size;
    std::optional<int> width, height;
};
template <class Str>
struct user {
    Str id, username;
    std::optional<bool> bot;
};
template <class Str>
struct message {
    Str id, channel_id;
    std::optional<Str> guild_id;
    Str content;
    std::optional<Str> nonce;
    bool tts;
    std::optional<Str> edited_timestamp;
    user<Str> author;
    std::vector<attachment<Str>> attachments;
    std::optional<std::vector<double>> scores;
};

template <class Str>
bool same(const message<Str>& a, const message<Str>& b) {
    if (a.id != b.id || a.channel_id != b.channel_id || a.guild_id != b.guild_id || a.content != b.content ||
        a.nonce != b.nonce || a.tts != b.tts || a.edited_timestamp != b.edited_timestamp || a.author.id != b.author.id ||
        a.author.username != b.author.username || a.author.bot != b.author.bot ||
        a.attachments.size() != b.attachments.size() || a.scores != b.scores)
        return false;
    for (std::size_t i = 0; i < a.attachments.size(); ++i) {
        const auto& x = a.attachments[i];
        const auto& y = b.attachments[i];
        if (x.id != y.id || x.url != y.url || x.filename != y.filename || x.size != y.size || x.width != y.width ||
            x.height != y.height)
            return false;
    }
    return true;
}

void check(bool ok) {
    if (!ok) __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    json::read_options strict;
    strict.strict = true;
    json::error_info info;

    envelope fast{}, careful{};
    const std::error_code fast_ec = json::read(fast, text, &info);
    const std::error_code strict_ec = json::read(careful, text, strict, &info);
    if (!strict_ec) {
        check(!json::validate(text));
        check(!fast_ec);
        check(fast.d.text == careful.d.text && fast.op == careful.op && fast.s == careful.s && fast.t == careful.t);
    }
    if (fast_ec) return 0;

    // The body, typed, with views and with strings.
    message<std::string_view> view{};
    const bool view_ok = !json::read(view, fast.d.text, &info);
    message<std::string> owned{};
    if (json::read(owned, fast.d.text, &info)) {
        check(!view_ok); // views may fail where strings succeed (escapes), never the reverse
        return 0;
    }
    std::string out;
    if (json::write(owned, out)) return 0; // NaN cannot come from JSON, so only when a string is not UTF-8
    check(!json::validate(out));
    message<std::string> again{};
    check(!json::read(again, out, strict));
    check(same(owned, again));
    if (view_ok) {
        out.clear();
        check(!json::write(view, out));
        check(!json::validate(out));
    }
    return 0;
}
