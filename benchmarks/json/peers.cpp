// The peers: simdjson 3.0.1 on-demand, RapidJSON (DOM), Boost.JSON 1.81 (DOM,
// header-only) and nlohmann/json 3.11, each filling bench::dispatch the way
// its documentation recommends for speed: iterate the object once and match
// keys, reuse parsers and buffers, reuse the output's strings and vectors
// like sluice does. Unknown keys are skipped by each library's own means.
#include "message.hpp"

#include <boost/json/src.hpp> // Boost.JSON header-only, compiled into this file
#include <nlohmann/json.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <memory>

namespace bench {
namespace {

// Attachments are filled in place: element i is reused when present.
template <class Str>
attachment<Str>& slot(std::vector<attachment<Str>>& v, std::size_t i) {
    if (i == v.size()) v.emplace_back();
    return v[i];
}

// ---------------------------------------------------------------- simdjson
namespace sj = simdjson::ondemand;

simdjson::ondemand::parser& sj_parser() {
    static simdjson::ondemand::parser p;
    return p;
}

template <class Str>
bool sj_string(sj::value v, Str& out) {
    std::string_view s;
    if (v.get_string().get(s)) return false;
    out = s;
    return true;
}

template <class Str>
bool sj_opt_string(sj::value v, std::optional<Str>& out) {
    if (v.is_null()) {
        out.reset();
        return true;
    }
    std::string_view s;
    if (v.get_string().get(s)) return false;
    out = Str(s);
    return true;
}

template <class Str>
bool sj_author(sj::object o, author<Str>& a) {
    a.bot.reset();
    for (auto field : o) {
        sj::raw_json_string k;
        if (field.key().get(k)) return false;
        if (k == "id") { if (!sj_string(field.value(), a.id)) return false; }
        else if (k == "username") { if (!sj_string(field.value(), a.username)) return false; }
        else if (k == "bot") { bool b; if (field.value().get_bool().get(b)) return false; a.bot = b; }
    }
    return true;
}

template <class Str>
bool sj_attachment(sj::object o, attachment<Str>& a) {
    for (auto field : o) {
        sj::raw_json_string k;
        if (field.key().get(k)) return false;
        if (k == "id") { if (!sj_string(field.value(), a.id)) return false; }
        else if (k == "url") { if (!sj_string(field.value(), a.url)) return false; }
        else if (k == "filename") { if (!sj_string(field.value(), a.filename)) return false; }
        else if (k == "size") { if (field.value().get_uint64().get(a.size)) return false; }
        else if (k == "width") { std::int64_t w; if (field.value().get_int64().get(w)) return false; a.width = static_cast<std::int32_t>(w); }
        else if (k == "height") { std::int64_t h; if (field.value().get_int64().get(h)) return false; a.height = static_cast<std::int32_t>(h); }
    }
    return true;
}

template <class Str>
bool sj_message(sj::object o, message<Str>& m) {
    for (auto field : o) {
        sj::raw_json_string k;
        if (field.key().get(k)) return false;
        if (k == "id") { if (!sj_string(field.value(), m.id)) return false; }
        else if (k == "channel_id") { if (!sj_string(field.value(), m.channel_id)) return false; }
        else if (k == "guild_id") { if (!sj_opt_string(field.value(), m.guild_id)) return false; }
        else if (k == "content") { if (!sj_string(field.value(), m.content)) return false; }
        else if (k == "nonce") { if (!sj_opt_string(field.value(), m.nonce)) return false; }
        else if (k == "tts") { if (field.value().get_bool().get(m.tts)) return false; }
        else if (k == "edited_timestamp") { if (!sj_opt_string(field.value(), m.edited_timestamp)) return false; }
        else if (k == "author") { sj::object a; if (field.value().get_object().get(a) || !sj_author(a, m.author)) return false; }
        else if (k == "attachments") {
            sj::array arr;
            if (field.value().get_array().get(arr)) return false;
            std::size_t i = 0;
            for (auto element : arr) {
                sj::object a;
                if (element.get_object().get(a) || !sj_attachment(a, slot(m.attachments, i++))) return false;
            }
            m.attachments.resize(i);
        }
    }
    return true;
}

template <class Str>
bool sj_read(std::string_view padded, std::size_t size, dispatch<Str>& out) {
    sj::document doc;
    if (sj_parser().iterate(padded.data(), size, padded.size()).get(doc)) return false;
    sj::object root;
    if (doc.get_object().get(root)) return false;
    for (auto field : root) {
        sj::raw_json_string k;
        if (field.key().get(k)) return false;
        if (k == "op") { std::int64_t op; if (field.value().get_int64().get(op)) return false; out.op = static_cast<int>(op); }
        else if (k == "s") {
            sj::value v = field.value();
            if (v.is_null()) out.s.reset();
            else { std::int64_t s; if (v.get_int64().get(s)) return false; out.s = s; }
        }
        else if (k == "t") { if (!sj_opt_string(field.value(), out.t)) return false; }
        else if (k == "d") { sj::object d; if (field.value().get_object().get(d) || !sj_message(d, out.d)) return false; }
    }
    return true;
}

// ---------------------------------------------------------------- RapidJSON
using rj_value = rapidjson::Value;

template <class Str>
void rj_string(const rj_value& v, Str& out) {
    out = std::string_view(v.GetString(), v.GetStringLength());
}
template <class Str>
void rj_opt_string(const rj_value& v, std::optional<Str>& out) {
    if (v.IsNull()) out.reset();
    else out = Str(std::string_view(v.GetString(), v.GetStringLength()));
}
std::string_view rj_key(const rj_value& k) { return {k.GetString(), k.GetStringLength()}; }

template <class Str>
bool rj_fill(const rj_value& root, dispatch<Str>& out) {
    if (!root.IsObject()) return false;
    for (const auto& f : root.GetObject()) {
        const auto k = rj_key(f.name);
        if (k == "op") { if (!f.value.IsInt()) return false; out.op = f.value.GetInt(); }
        else if (k == "s") { if (f.value.IsNull()) out.s.reset(); else if (f.value.IsInt64()) out.s = f.value.GetInt64(); else return false; }
        else if (k == "t") { if (!f.value.IsString() && !f.value.IsNull()) return false; rj_opt_string(f.value, out.t); }
        else if (k == "d") {
            if (!f.value.IsObject()) return false;
            auto& m = out.d;
            for (const auto& g : f.value.GetObject()) {
                const auto gk = rj_key(g.name);
                const auto& v = g.value;
                if (gk == "id") { if (!v.IsString()) return false; rj_string(v, m.id); }
                else if (gk == "channel_id") { if (!v.IsString()) return false; rj_string(v, m.channel_id); }
                else if (gk == "guild_id") rj_opt_string(v, m.guild_id);
                else if (gk == "content") { if (!v.IsString()) return false; rj_string(v, m.content); }
                else if (gk == "nonce") rj_opt_string(v, m.nonce);
                else if (gk == "tts") { if (!v.IsBool()) return false; m.tts = v.GetBool(); }
                else if (gk == "edited_timestamp") rj_opt_string(v, m.edited_timestamp);
                else if (gk == "author") {
                    if (!v.IsObject()) return false;
                    m.author.bot.reset();
                    for (const auto& a : v.GetObject()) {
                        const auto ak = rj_key(a.name);
                        if (ak == "id") rj_string(a.value, m.author.id);
                        else if (ak == "username") rj_string(a.value, m.author.username);
                        else if (ak == "bot") m.author.bot = a.value.GetBool();
                    }
                } else if (gk == "attachments") {
                    if (!v.IsArray()) return false;
                    std::size_t i = 0;
                    for (const auto& e : v.GetArray()) {
                        auto& at = slot(m.attachments, i++);
                        for (const auto& a : e.GetObject()) {
                            const auto ak = rj_key(a.name);
                            if (ak == "id") rj_string(a.value, at.id);
                            else if (ak == "url") rj_string(a.value, at.url);
                            else if (ak == "filename") rj_string(a.value, at.filename);
                            else if (ak == "size") at.size = a.value.GetUint64();
                            else if (ak == "width") at.width = a.value.GetInt();
                            else if (ak == "height") at.height = a.value.GetInt();
                        }
                    }
                    m.attachments.resize(i);
                }
            }
        }
    }
    return true;
}

std::unique_ptr<rapidjson::Document> rj_doc;

template <class Str>
bool rj_read(std::string_view text, dispatch<Str>& out) {
    rj_doc = std::make_unique<rapidjson::Document>(); // views point into the DOM: keep it
    rj_doc->Parse(text.data(), text.size());
    return !rj_doc->HasParseError() && rj_fill(*rj_doc, out);
}

// ---------------------------------------------------------------- Boost.JSON
namespace bj = boost::json;

struct bj_state {
    unsigned char buffer[16384];
    bj::parser parser;
    std::unique_ptr<bj::monotonic_resource> resource;
    bj::value doc;
};
bj_state& bj_get() {
    static bj_state s;
    return s;
}

template <class Str>
void bj_string(const bj::value& v, Str& out) {
    const auto& s = v.as_string();
    out = std::string_view(s.data(), s.size());
}
template <class Str>
void bj_opt_string(const bj::value& v, std::optional<Str>& out) {
    if (v.is_null()) out.reset();
    else { const auto& s = v.as_string(); out = Str(std::string_view(s.data(), s.size())); }
}

template <class Str>
bool bj_fill(const bj::value& root, dispatch<Str>& out) {
    const auto* o = root.if_object();
    if (!o) return false;
    for (const auto& f : *o) {
        const std::string_view k = f.key();
        const auto& v = f.value();
        if (k == "op") out.op = static_cast<int>(v.as_int64());
        else if (k == "s") { if (v.is_null()) out.s.reset(); else out.s = v.as_int64(); }
        else if (k == "t") bj_opt_string(v, out.t);
        else if (k == "d") {
            auto& m = out.d;
            for (const auto& g : v.as_object()) {
                const std::string_view gk = g.key();
                const auto& w = g.value();
                if (gk == "id") bj_string(w, m.id);
                else if (gk == "channel_id") bj_string(w, m.channel_id);
                else if (gk == "guild_id") bj_opt_string(w, m.guild_id);
                else if (gk == "content") bj_string(w, m.content);
                else if (gk == "nonce") bj_opt_string(w, m.nonce);
                else if (gk == "tts") m.tts = w.as_bool();
                else if (gk == "edited_timestamp") bj_opt_string(w, m.edited_timestamp);
                else if (gk == "author") {
                    m.author.bot.reset();
                    for (const auto& a : w.as_object()) {
                        const std::string_view ak = a.key();
                        if (ak == "id") bj_string(a.value(), m.author.id);
                        else if (ak == "username") bj_string(a.value(), m.author.username);
                        else if (ak == "bot") m.author.bot = a.value().as_bool();
                    }
                } else if (gk == "attachments") {
                    std::size_t i = 0;
                    for (const auto& e : w.as_array()) {
                        auto& at = slot(m.attachments, i++);
                        for (const auto& a : e.as_object()) {
                            const std::string_view ak = a.key();
                            if (ak == "id") bj_string(a.value(), at.id);
                            else if (ak == "url") bj_string(a.value(), at.url);
                            else if (ak == "filename") bj_string(a.value(), at.filename);
                            else if (ak == "size") at.size = static_cast<std::uint64_t>(a.value().as_int64());
                            else if (ak == "width") at.width = static_cast<std::int32_t>(a.value().as_int64());
                            else if (ak == "height") at.height = static_cast<std::int32_t>(a.value().as_int64());
                        }
                    }
                    m.attachments.resize(i);
                }
            }
        }
    }
    return true;
}

template <class Str>
bool bj_read(std::string_view text, dispatch<Str>& out) {
    auto& s = bj_get();
    s.doc = nullptr; // release before the resource it lives in
    s.resource = std::make_unique<bj::monotonic_resource>(s.buffer, sizeof s.buffer);
    s.parser.reset(s.resource.get());
    bj::error_code ec;
    s.parser.write(text.data(), text.size(), ec);
    if (ec) return false;
    s.doc = s.parser.release();
    return bj_fill(s.doc, out);
}

// ---------------------------------------------------------------- nlohmann
using nj = nlohmann::json;
nj nl_doc;

template <class Str>
void nl_string(const nj& v, Str& out) {
    out = std::string_view(v.get_ref<const std::string&>());
}
template <class Str>
void nl_opt_string(const nj& v, std::optional<Str>& out) {
    if (v.is_null()) out.reset();
    else out = Str(std::string_view(v.get_ref<const std::string&>()));
}

template <class Str>
bool nl_read(std::string_view text, dispatch<Str>& out) {
    nl_doc = nj::parse(text, nullptr, false); // no exceptions: a discarded value on error
    if (nl_doc.is_discarded() || !nl_doc.is_object()) return false;
    for (auto it = nl_doc.begin(); it != nl_doc.end(); ++it) {
        const std::string& k = it.key();
        const nj& v = it.value();
        if (k == "op") out.op = v.get<int>();
        else if (k == "s") { if (v.is_null()) out.s.reset(); else out.s = v.get<std::int64_t>(); }
        else if (k == "t") nl_opt_string(v, out.t);
        else if (k == "d") {
            auto& m = out.d;
            for (auto g = v.begin(); g != v.end(); ++g) {
                const std::string& gk = g.key();
                const nj& w = g.value();
                if (gk == "id") nl_string(w, m.id);
                else if (gk == "channel_id") nl_string(w, m.channel_id);
                else if (gk == "guild_id") nl_opt_string(w, m.guild_id);
                else if (gk == "content") nl_string(w, m.content);
                else if (gk == "nonce") nl_opt_string(w, m.nonce);
                else if (gk == "tts") m.tts = w.get<bool>();
                else if (gk == "edited_timestamp") nl_opt_string(w, m.edited_timestamp);
                else if (gk == "author") {
                    m.author.bot.reset();
                    for (auto a = w.begin(); a != w.end(); ++a) {
                        if (a.key() == "id") nl_string(a.value(), m.author.id);
                        else if (a.key() == "username") nl_string(a.value(), m.author.username);
                        else if (a.key() == "bot") m.author.bot = a.value().get<bool>();
                    }
                } else if (gk == "attachments") {
                    std::size_t i = 0;
                    for (const auto& e : w) {
                        auto& at = slot(m.attachments, i++);
                        for (auto a = e.begin(); a != e.end(); ++a) {
                            const std::string& ak = a.key();
                            if (ak == "id") nl_string(a.value(), at.id);
                            else if (ak == "url") nl_string(a.value(), at.url);
                            else if (ak == "filename") nl_string(a.value(), at.filename);
                            else if (ak == "size") at.size = a.value().get<std::uint64_t>();
                            else if (ak == "width") at.width = a.value().get<std::int32_t>();
                            else if (ak == "height") at.height = a.value().get<std::int32_t>();
                        }
                    }
                    m.attachments.resize(i);
                }
            }
        }
    }
    return true;
}

} // namespace

bool read_simdjson(std::string_view padded, std::size_t size, dispatch<std::string>& out) { return sj_read(padded, size, out); }
bool read_simdjson(std::string_view padded, std::size_t size, dispatch<std::string_view>& out) { return sj_read(padded, size, out); }
bool read_rapidjson(std::string_view text, dispatch<std::string>& out) { return rj_read(text, out); }
bool read_rapidjson(std::string_view text, dispatch<std::string_view>& out) { return rj_read(text, out); }
bool read_boost_json(std::string_view text, dispatch<std::string>& out) { return bj_read(text, out); }
bool read_boost_json(std::string_view text, dispatch<std::string_view>& out) { return bj_read(text, out); }
bool read_nlohmann(std::string_view text, dispatch<std::string>& out) { return nl_read(text, out); }
bool read_nlohmann(std::string_view text, dispatch<std::string_view>& out) { return nl_read(text, out); }

void release_peer_documents() {
    rj_doc.reset();
    bj_get().doc = nullptr;
    bj_get().resource.reset();
    nl_doc = nullptr;
}

// ---------------------------------------------------------------- writers
void write_nlohmann(const identify& v, std::string& out) {
    const nlohmann::ordered_json j = {{"op", v.op},
                  {"d",
                   {{"token", v.d.token},
                    {"intents", v.d.intents},
                    {"properties", {{"os", v.d.properties.os}, {"browser", v.d.properties.browser}, {"device", v.d.properties.device}}},
                    {"shard", {v.d.shard[0], v.d.shard[1]}}}}};
    out = j.dump();
}

void write_boost_json(const identify& v, std::string& out) {
    unsigned char buffer[4096];
    bj::monotonic_resource mr(buffer, sizeof buffer);
    bj::object props(&mr);
    props["os"] = v.d.properties.os;
    props["browser"] = v.d.properties.browser;
    props["device"] = v.d.properties.device;
    bj::object d(&mr);
    d["token"] = v.d.token;
    d["intents"] = v.d.intents;
    d["properties"] = std::move(props);
    d["shard"] = bj::array({v.d.shard[0], v.d.shard[1]}, &mr);
    bj::object root(&mr);
    root["op"] = v.op;
    root["d"] = std::move(d);
    bj::serializer sr;
    sr.reset(&root);
    out.clear();
    char buf[1024];
    while (!sr.done()) out.append(sr.read(buf));
}

namespace {
void bj_serialize(const bj::value& root, std::string& out) {
    bj::serializer sr;
    sr.reset(&root);
    out.clear();
    char buf[4096];
    while (!sr.done()) out.append(sr.read(buf));
}
} // namespace

void write_boost_json(const heartbeat& v, std::string& out) {
    unsigned char buffer[1024];
    bj::monotonic_resource mr(buffer, sizeof buffer);
    bj::object root(&mr);
    root["op"] = v.op;
    if (v.d) root["d"] = *v.d;
    bj_serialize(root, out);
}

// Empty optionals are left out, as sluice::json::write does.
void write_boost_json(const dispatch<std::string>& v, std::string& out) {
    unsigned char buffer[8192];
    bj::monotonic_resource mr(buffer, sizeof buffer);
    const message<std::string>& m = v.d;
    bj::object author(&mr);
    author["id"] = m.author.id;
    author["username"] = m.author.username;
    if (m.author.bot) author["bot"] = *m.author.bot;
    bj::array attachments(&mr);
    for (const auto& a : m.attachments) {
        bj::object o(&mr);
        o["id"] = a.id;
        o["url"] = a.url;
        o["filename"] = a.filename;
        o["size"] = a.size;
        if (a.width) o["width"] = *a.width;
        if (a.height) o["height"] = *a.height;
        attachments.push_back(std::move(o));
    }
    bj::object d(&mr);
    d["id"] = m.id;
    d["channel_id"] = m.channel_id;
    if (m.guild_id) d["guild_id"] = *m.guild_id;
    d["content"] = m.content;
    if (m.nonce) d["nonce"] = *m.nonce;
    d["tts"] = m.tts;
    if (m.edited_timestamp) d["edited_timestamp"] = *m.edited_timestamp;
    d["author"] = std::move(author);
    d["attachments"] = std::move(attachments);
    bj::object root(&mr);
    root["op"] = v.op;
    if (v.s) root["s"] = *v.s;
    if (v.t) root["t"] = *v.t;
    root["d"] = std::move(d);
    bj_serialize(root, out);
}

void write_rapidjson(const identify& v, std::string& out) {
    static rapidjson::StringBuffer sb;
    sb.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("op"); w.Int(v.op);
    w.Key("d"); w.StartObject();
    w.Key("token"); w.String(v.d.token.data(), static_cast<rapidjson::SizeType>(v.d.token.size()));
    w.Key("intents"); w.Uint(v.d.intents);
    w.Key("properties"); w.StartObject();
    w.Key("os"); w.String(v.d.properties.os.data(), static_cast<rapidjson::SizeType>(v.d.properties.os.size()));
    w.Key("browser"); w.String(v.d.properties.browser.data(), static_cast<rapidjson::SizeType>(v.d.properties.browser.size()));
    w.Key("device"); w.String(v.d.properties.device.data(), static_cast<rapidjson::SizeType>(v.d.properties.device.size()));
    w.EndObject();
    w.Key("shard"); w.StartArray(); w.Int(v.d.shard[0]); w.Int(v.d.shard[1]); w.EndArray();
    w.EndObject();
    w.EndObject();
    out.assign(sb.GetString(), sb.GetSize());
}

} // namespace bench
