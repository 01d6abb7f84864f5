#pragma once
// sluice/singyeong/frame.hpp: 신경 frames, parsed and written.
//
//     {"op": 0, "d": {"heartbeat_interval": 45000}, "t": null, "ts": 1670000000000}
//
//   op  name           dir   d
//   0   hello          recv  {heartbeat_interval}
//   1   identify       send  {client_id, application_id, auth?, ip?, namespace?, metadata?, receive_client_updates?}
//   2   ready          recv  {client_id, restricted}
//   3   invalid        recv  {error, extra_info}: the server refused a payload; the connection stays
//   4   dispatch       both  t names it: UPDATE_METADATA, SEND, BROADCAST, QUERY_NODES, QUEUE,
//                            QUEUE_CONFIRM, QUEUE_REQUEST, QUEUE_REQUEST_CANCEL, QUEUE_ACK,
//                            CLIENT_CONNECTED, CLIENT_DISCONNECTED
//   5   heartbeat      send  {client_id}
//   6   heartbeat_ack  recv  {client_id}
//   7   goodbye        recv  reconnect (load balancing)
//   8   error          recv  {error, extra_info}: unrecoverable; the server disconnects
//
// `ts` (server milliseconds) is on every server frame; `t` only matters on
// dispatches. Inbound dispatch bodies, read leniently:
//   SEND, BROADCAST   {nonce, payload} (+ "target": null from the real server,
//                     + "sender" in the seed)
//   QUEUE             {nonce, payload: {queue, id, payload}}
//   QUERY_NODES       {nodes, nonce?}
//   QUEUE_CONFIRM     {queue, nonce?}
//   CLIENT_(DIS)CONNECTED {app} (PROTOCOL.md) or {payload: {app}} (the real server's code)
//
// Includes: <cstdint>, <optional>, <string>, <string_view>, <system_error>;
// json/read.hpp, json/write.hpp; gateway/errc.hpp,
// gateway/detail/frame_fields.hpp (null checks, the hello interval);
// singyeong/errc.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/gateway/detail/frame_fields.hpp>
#include <sluice/gateway/errc.hpp>
#include <sluice/json/read.hpp>
#include <sluice/json/write.hpp>
#include <sluice/singyeong/errc.hpp>

namespace sluice::singyeong {

/// Opcodes.
enum class opcode : std::uint8_t {
    hello = 0,
    identify = 1,
    ready = 2,
    invalid = 3,
    dispatch = 4,
    heartbeat = 5,
    heartbeat_ack = 6,
    goodbye = 7,
    error = 8,
};

/// The dispatch types. `other` is any name this client does not know.
enum class dispatch_type : std::uint8_t {
    update_metadata,
    send,
    broadcast,
    query_nodes,
    queue,
    queue_confirm,
    queue_request,
    queue_request_cancel,
    queue_ack,
    client_connected,
    client_disconnected,
    other,
};

inline constexpr std::string_view dispatch_names[] = {
    "UPDATE_METADATA", "SEND", "BROADCAST", "QUERY_NODES", "QUEUE", "QUEUE_CONFIRM", "QUEUE_REQUEST",
    "QUEUE_REQUEST_CANCEL", "QUEUE_ACK", "CLIENT_CONNECTED", "CLIENT_DISCONNECTED"};

constexpr std::string_view to_string(dispatch_type t) noexcept {
    return t == dispatch_type::other ? std::string_view("") : dispatch_names[static_cast<std::size_t>(t)];
}
constexpr dispatch_type dispatch_type_of(std::string_view s) noexcept {
    for (std::size_t i = 0; i < sizeof dispatch_names / sizeof dispatch_names[0]; ++i)
        if (dispatch_names[i] == s) return static_cast<dispatch_type>(i);
    return dispatch_type::other;
}

/// One inbound frame. Views point into the parsed text.
struct frame_view {
    opcode op = opcode::hello;
    std::string_view d;              ///< raw JSON of d ("" when absent or null)
    std::string_view t;              ///< dispatch: the type
    std::optional<std::int64_t> ts;  ///< the server's timestamp, ms
    std::int64_t heartbeat_interval = 0; ///< hello: ms (> 0)
};

/// The parts of an inbound dispatch body (views into its text; "" when absent).
struct dispatch_body {
    std::string_view nonce;   ///< the nonce as sent (JSON string contents, or the text of a number); "" for none
    std::string_view payload; ///< SEND, BROADCAST, QUEUE: the payload JSON (QUEUE: the inner payload)
    std::string_view sender;  ///< SEND, BROADCAST: the seed's sender
    std::string_view queue;   ///< QUEUE, QUEUE_CONFIRM: the queue name
    std::string_view id;      ///< QUEUE: the message id to acknowledge
    std::string_view app;     ///< CLIENT_(DIS)CONNECTED: the application id
    std::string_view nodes;   ///< QUERY_NODES: the nodes JSON
};

namespace detail {
struct envelope {
    std::int64_t op;
    std::optional<json::raw> d;
    std::optional<std::string_view> t;
    std::optional<std::int64_t> ts;
};
struct hello_body {
    std::int64_t heartbeat_interval;
};
struct ready_body {
    std::string client_id;
    std::optional<bool> restricted;
};
struct message_body {
    std::optional<json::raw> nonce;
    std::optional<json::raw> payload;
    std::optional<std::string_view> sender;
    std::optional<std::string_view> queue;
    std::optional<std::string_view> id;
    std::optional<json::raw> app;
    std::optional<json::raw> nodes;
};
struct queued_body {
    std::string_view queue;
    std::string_view id;
    std::optional<json::raw> payload;
};
struct error_body {
    std::optional<std::string> error;
    std::optional<json::raw> extra_info;
};

using gateway::detail::is_null;
// The contents of a JSON string without escapes, or the text of another scalar.
inline bool scalar_text(std::string_view raw, std::string_view& out) noexcept {
    if (raw.size() >= 2 && raw.front() == '"') {
        const std::string_view inner = raw.substr(1, raw.size() - 2);
        if (inner.find('\\') != std::string_view::npos) return false;
        out = inner;
        return true;
    }
    if (raw.empty() || raw.front() == '{' || raw.front() == '[') return false;
    out = raw;
    return true;
}
} // namespace detail

/// Parses one server frame. Errors: json errors (not JSON, wrong types);
/// gateway::errc::malformed_frame for an op the client sends (1, 5), a hello
/// without a positive heartbeat_interval, a dispatch without t. Ops above 8
/// parse (as a newer server's); the caller treats them as unknown. No allocation.
inline std::error_code parse_frame(std::string_view text, frame_view& out) {
    detail::envelope env{};
    if (std::error_code ec = json::read(env, text)) return ec;
    out = frame_view{};
    out.ts = env.ts;
    if (!detail::is_null(env.d)) out.d = env.d->text;
    if (env.op < 0 || env.op > 255) return gateway::errc::malformed_frame;
    out.op = static_cast<opcode>(env.op);
    switch (env.op) {
    case 0: {
        return gateway::detail::read_positive(out.d, &detail::hello_body::heartbeat_interval, out.heartbeat_interval);
    }
    case 1:
    case 5: return gateway::errc::malformed_frame; // client-only
    case 4:
        if (!env.t || env.t->empty()) return gateway::errc::malformed_frame;
        out.t = *env.t;
        return {};
    default: return {};
    }
}

/// Reads the parts of a dispatch body `d` of type `t` (the fields it does not
/// have stay ""). Errors: json errors; gateway::errc::malformed_frame for a
/// QUEUE without {queue, id}, CLIENT_(DIS)CONNECTED without app, or a nonce
/// that is an object, an array or an escaped string.
inline std::error_code read_dispatch(dispatch_type t, std::string_view d, dispatch_body& out) {
    out = dispatch_body{};
    if (d.empty()) return {};
    detail::message_body m{};
    if (std::error_code ec = json::read(m, d)) return ec;
    if (!detail::is_null(m.nonce) && !detail::scalar_text(m.nonce->text, out.nonce)) return gateway::errc::malformed_frame;
    if (!detail::is_null(m.payload)) out.payload = m.payload->text;
    if (m.sender) out.sender = *m.sender;
    if (!detail::is_null(m.nodes)) out.nodes = m.nodes->text;
    switch (t) {
    case dispatch_type::queue: {
        detail::queued_body q{};
        if (out.payload.empty() || json::read(q, out.payload)) return gateway::errc::malformed_frame;
        out.queue = q.queue;
        out.id = q.id;
        out.payload = detail::is_null(q.payload) ? std::string_view("null") : q.payload->text;
        return {};
    }
    case dispatch_type::queue_confirm:
        if (m.queue) out.queue = *m.queue;
        return {};
    case dispatch_type::client_connected:
    case dispatch_type::client_disconnected: {
        std::optional<json::raw> app = m.app;
        if (detail::is_null(app) && !out.payload.empty()) { // the real server wraps it like a SEND
            detail::message_body inner{};
            if (json::read(inner, out.payload)) return gateway::errc::malformed_frame;
            app = inner.app;
        }
        if (detail::is_null(app) || app->text.front() != '"' || !detail::scalar_text(app->text, out.app))
            return gateway::errc::malformed_frame;
        out.payload = {};
        return {};
    }
    default: return {};
    }
}

/// The `error` text and `extra_info` of an op 3 or op 8 body (allocates the
/// unescaped text). Errors: json errors.
inline std::error_code read_error(std::string_view d, std::string& error, std::string_view& extra_info) {
    detail::error_body e{};
    if (std::error_code ec = json::read(e, d)) return ec;
    error = e.error.value_or(std::string{});
    extra_info = detail::is_null(e.extra_info) ? std::string_view{} : e.extra_info->text;
    return {};
}

/// The nonce of the dispatch an op 3 is about ({"extra_info": {"d": {"nonce": ...}}},
/// as the real server answers a SEND without route), or "".
inline std::string_view invalid_nonce(std::string_view extra_info) {
    struct inner {
        std::optional<json::raw> nonce;
        std::optional<json::raw> payload;
    };
    struct outer {
        std::optional<inner> d;
        std::optional<json::raw> nonce;
    };
    outer o{};
    if (extra_info.empty() || extra_info.front() != '{' || json::read(o, extra_info)) return {};
    std::string_view n;
    if (o.d && !detail::is_null(o.d->nonce) && detail::scalar_text(o.d->nonce->text, n)) return n;
    if (!detail::is_null(o.nonce) && detail::scalar_text(o.nonce->text, n)) return n;
    return {};
}

/// Appends a heartbeat: {"op":5,"d":{"client_id":"..."}}. Error: json::errc::invalid_utf8.
inline std::error_code write_heartbeat(std::string& out, std::string_view client_id) {
    out.append(R"({"op":5,"d":{"client_id":)");
    if (std::error_code ec = json::write(client_id, out)) return ec;
    out.append("}}");
    return {};
}

/// Starts a dispatch frame: {"op":4,"t":"<type>","d": — the caller appends d and then "}".
inline void begin_dispatch(std::string& out, dispatch_type t) {
    out.append(R"({"op":4,"t":")");
    out.append(to_string(t));
    out.append(R"(","d":)");
}

} // namespace sluice::singyeong
