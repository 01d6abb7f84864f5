#pragma once
// sluice/json/raw.hpp: an unparsed JSON value kept for later.
//
// A gateway payload names its type in one field and carries the body in
// another, in any order: {"d": {...}, "op": 0, "t": "MESSAGE_CREATE"}. Read
// the envelope with `d` as a raw, look at `op` and `t`, then read `d.text`
// into the type they name:
//
//     struct envelope { int op; sluice::json::raw d; std::optional<std::string_view> t; };
//     envelope env;
//     if (auto ec = sluice::json::read(env, frame)) ...
//     if (env.t == "MESSAGE_CREATE") sluice::json::read(message, env.d.text);
//
// Includes: <string_view>.
#include <string_view>

namespace sluice::json {

/// One JSON value as text, without surrounding whitespace. read() points it
/// into the input (no copy): valid as long as the input text is. read()
/// checks the value only as deeply as it checks skipped values (see
/// read_options::strict); reading `text` later checks it fully. write()
/// copies `text` verbatim, or writes null when it is empty, so a raw built
/// by hand must hold one valid JSON value.
struct raw {
    std::string_view text;

    friend bool operator==(const raw&, const raw&) = default;
};

} // namespace sluice::json
