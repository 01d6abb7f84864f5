#pragma once
// sluice/json.hpp: the json layer. validate() checks text against RFC 8259;
// read() decodes text into reflected types (zero-copy string_view and raw,
// unknown keys skipped); write() encodes them into a reusable buffer.
//
//     struct envelope { int op; sluice::json::raw d; std::optional<std::int64_t> s;
//                       std::optional<std::string_view> t; };
//     struct message { std::string_view id; std::string content; };
//
//     envelope env;
//     sluice::json::error_info where;
//     if (auto ec = sluice::json::read(env, frame, &where)) return fail(ec, where.path);
//     if (env.t == "MESSAGE_CREATE") {
//         message m;
//         if (auto ec = sluice::json::read(m, env.d.text, &where)) return fail(ec, where.path);
//     }
//
//     std::string out;                                   // reused: no allocation once grown
//     out.clear();
//     if (auto ec = sluice::json::write(identify, out)) ...
//
// Headers: error.hpp (errc, error_info), validate.hpp, read.hpp, write.hpp,
// raw.hpp. Field names, renames and enum names come from sluice/reflect.hpp.
#include <sluice/json/error.hpp>
#include <sluice/json/raw.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/json/write.hpp>
