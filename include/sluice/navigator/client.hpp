#pragma once
// sluice/navigator/client.hpp: the BitJourney Navigator client (seed 004):
// REST calls as actions, the Socket.IO event stream, and the job tracker, in
// one message machine.
//
// Navigator has two ports: an HTTP API (models, queueing, images) and a
// Socket.IO server broadcasting every job's progress to every client. The
// client never does I/O: HTTP calls come out as `http_request` actions that
// the caller performs (with its own HTTP client, or sluice::http's writer and
// parser) and answers with on_http_response(); the Socket.IO connection is
// the usual message-machine transport (wrap the client in ws::session for
// byte mode).
//
//     navigator::config cfg = navigator::config::local(3333, 3334);
//     navigator::client nav(cfg, rng);
//     nav.start(now);                                   // the event stream
//     ... on action_kind::connected:
//     std::uint64_t job;
//     nav.submit({.model_name = "cyberrealisticXL_v31", .prompt = "Puppies", .owner_id = "Russ"}, now, job);
//     while (const auto* e = nav.poll()) {
//         const navigator::action& a = e->action;
//         switch (a.kind) {
//         case navigator::action_kind::transport:    carry(a.op, a.type, a.close_code, e->bytes); break;
//         case navigator::action_kind::http_request: perform(a.request);  // then nav.on_http_response(a.request.id, status, body, now)
//             break;
//         case navigator::action_kind::job:          if (a.status == navigator::job_status::progress) show(a.task->progress); break;
//         case navigator::action_kind::image:        if (a.ready) save(a.job_id, e->bytes); break;
//         default: break;
//         }
//     }
//
// Jobs. submit() tracks the job and queues its POST; with
// config::generate_job_ids the client picks the job_id itself (16 random hex
// digits from the injected entropy), so events that arrive before the queue
// answer are already recognised. Without it, events for unknown ids are held
// (up to config::early_events) while a queue answer is pending, and replayed
// once the answer names the job. Every job ends exactly once, with one `job`
// action whose status is finished, failed, interrupted or timed_out; nothing
// is reported for a job after that. With config::fetch_image_on_finish the
// final image is requested as soon as the job finishes.
//
// Lifetimes: every view in a polled action (and the task, queued and models
// it points to) is valid until the next mutating call on the client.
//
// Memory: an idle connected client holds its configuration, the event
// stream's session and its sids. The action queue (with the polled entry),
// the decoded payloads (task, queued, models), the job and request tables and
// the held early events are allocated on first use and given back by
// shrink() while unused; heap_bytes() says what the client holds.
//
// Includes: <array>, <chrono>, <cstdint>, <cstring>, <memory>, <optional>, <span>,
// <string>, <string_view>, <system_error>, <vector>; core/{action_queue,
// entropy,nonce_table}.hpp; socketio/session.hpp for the event stream;
// navigator/{errc,types,tracker}.hpp.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/nonce_table.hpp>
#include <sluice/navigator/errc.hpp>
#include <sluice/navigator/tracker.hpp>
#include <sluice/navigator/types.hpp>
#include <sluice/socketio/session.hpp>

namespace sluice::navigator {

/// How the client reaches Navigator, and its limits.
/// What a client keeps of its configuration (settings()): everything but
/// the event stream's, which its Socket.IO session keeps
/// (events().engine().settings()).
struct client_settings {
    /// The HTTP API's origin, without a trailing slash: "http://127.0.0.1:3333".
    std::string http_base = "http://127.0.0.1:3333";
    /// When not empty, sent as "Authorization: <value>" with every HTTP
    /// request and with the WebSocket upgrade (later Navigator versions
    /// require it).
    std::string authorization{};
    std::chrono::nanoseconds http_timeout = std::chrono::seconds(30); ///< an HTTP request fails with request_timeout after this
    std::chrono::nanoseconds job_timeout = std::chrono::minutes(10);  ///< a job not ended this long after submit() times out; 0 = never
    std::size_t max_jobs = 64;      ///< jobs tracked at once (terminal ones are recycled first)
    std::size_t max_requests = 32;  ///< HTTP requests pending at once
    std::size_t early_events = 32;  ///< events held while a queue answer is pending (see the header comment)
    bool generate_job_ids = true;   ///< the client picks each job's job_id (unless the request has one)
    bool fetch_image_on_finish = true; ///< request the final image when a job finishes
    bool report_foreign_events = false; ///< also report other clients' job events (as `event` actions)
};

/// A client's configuration: client_settings and the event stream's.
struct config : client_settings {
    /// The Socket.IO connection (events.engine.url, e.g.
    /// engineio::make_url("ws://127.0.0.1:3334")), its reconnection and limits.
    socketio::config events{};

    /// A Navigator on this machine with the seed's ports.
    static config local(std::uint16_t http_port = 3333, std::uint16_t socket_port = 3334) {
        config c;
        c.http_base = "http://127.0.0.1:" + std::to_string(http_port);
        c.events.engine.url = engineio::make_url("ws://127.0.0.1:" + std::to_string(socket_port));
        return c;
    }

    /// errc::invalid_config when http_base is empty or ends in '/', a timeout
    /// is negative (http_timeout must be > 0), max_jobs or max_requests is 0,
    /// or the Socket.IO config is invalid; else empty.
    std::error_code validate() const noexcept {
        if (http_base.empty() || http_base.back() == '/' || http_timeout.count() <= 0 || job_timeout.count() < 0 || max_jobs == 0 ||
            max_requests == 0 || events.validate())
            return errc::invalid_config;
        return {};
    }
};

/// What happened to a job; finished and later are terminal (exactly one per job).
enum class job_status : std::uint8_t {
    queued,        ///< the queue answer arrived (`queued` points to it)
    model_changed, ///< model-changed: the backend is switching model for this job
    started,       ///< task-started
    progress,      ///< task-progress (task->progress, eta_relative, current_step, total_steps, progress_path)
    finished,      ///< task-finished (task->img_path); the image follows when fetch_image_on_finish
    failed,        ///< task-failed (error = task_failed, task->error), a rejected queue request, a lost connection
    interrupted,   ///< task-interrupted
    timed_out,     ///< no end within config::job_timeout
};
constexpr bool is_terminal(job_status s) noexcept { return s >= job_status::finished; }

/// Which image of a job.
enum class image_kind : std::uint8_t {
    final_image, ///< GET /api/images/:job_id
    preview,     ///< GET /api/previews/:job_id (the latest preview)
};

/// What an action asks of the caller, or reports.
enum class action_kind : std::uint8_t {
    transport,      ///< the Socket.IO transport: op, type, close_code, bytes (see core/transport.hpp)
    connected,      ///< the event stream is live (namespace "/" joined); data = its Socket.IO sid
    disconnected,   ///< the event stream went away: error, retry_at (never: for good; unfinished jobs then fail).
                    ///< A refused namespace "/" (error socketio::errc::namespace_refused, data = the
                    ///< server's CONNECT_ERROR payload) is followed by the client closing for good.
    http_request,   ///< perform `request` and answer with on_http_response(request.id, ...) or on_http_failure()
    models,         ///< the answer to fetch_models(): models (or detail_error)
    job,            ///< one of our jobs changed: job, job_id, status, task / queued, error
    image,          ///< a job's image: job, job_id, image, ready (false: 404, not yet), bytes = the PNG, error
    event,          ///< a Navigator event that is not about one of our jobs: name, data (its JSON), task when it is a job event
    request_failed, ///< an HTTP request without a job (fetch_models) failed: error, http_status, data = the body
};

/// An HTTP request to perform. `url` = config::http_base + `target`;
/// `headers` are complete lines ("Name: value\r\n": Accept, and Content-Type
/// and Authorization when needed; the caller adds Host and Content-Length);
/// `body` is the JSON body of a POST ("" for GET).
struct http_request {
    std::uint64_t id = 0;
    std::string_view method{};
    std::string_view url{};
    std::string_view target{};
    std::string_view headers{};
    std::string_view body{};
};

/// One action; which fields are set depends on `kind` (see action_kind).
struct action {
    action_kind kind = action_kind::transport;
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0;
    std::uint64_t job = 0;                   ///< job, image: the job's handle (from submit())
    std::string_view job_id{};               ///< job, image: Navigator's id ("" before the queue answer of a failed submit)
    job_status status = job_status::queued;  ///< job
    const navigator::task* task = nullptr;   ///< job (model_changed .. interrupted), event: the decoded payload
    const navigator::queued* queued = nullptr; ///< job (queued): the queue answer
    std::span<const model> models{};         ///< models
    http_request request{};                  ///< http_request
    image_kind image = image_kind::final_image; ///< image
    bool ready = false;                      ///< image: true with the PNG in bytes; false when the server said 404 (not yet)
    event_name event = event_name::other;    ///< event
    std::string_view name{};                 ///< event: the Socket.IO event name
    std::string_view data{};                 ///< event: its first argument (JSON); failures: the HTTP body; connected: the sid
    unsigned http_status = 0;                ///< the HTTP status behind a failure or an image
    std::error_code error{};                 ///< why a job failed / an image or request failed / the stream went away
    std::error_code detail_error{};          ///< set when task, queued or models could not be decoded (they are then empty)
    std::optional<std::uint16_t> peer_close{}; ///< disconnected: the server's close code, if any
    instant retry_at = instant::never();     ///< disconnected: when the reconnect attempt goes out
};

/// The Navigator client as a message_machine. Not copyable or movable (its
/// Socket.IO sink refers to it); construct it in place.
class client {
public:
    struct entry {
        navigator::action action;
        std::string_view bytes{}; ///< transport: the payload; image: the PNG; otherwise unspecified
    };

    /// `rng` (job ids, reconnect jitter) must outlive the client. Validate
    /// the config first (cfg.validate()). The tables are sized by the config
    /// and allocated on first use.
    client(config cfg, entropy rng)
        : cfg_(cfg), rng_(rng), events_(events_config(std::move(cfg)), rng), jobs_(cfg_.max_jobs),
          requests_(cfg_.max_requests, table_storage::on_demand) {
        sio_sink k{*this};
        (void)events_.join("/", {}, instant::zero(), k);
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // ---- the event stream --------------------------------------------------------

    /// Connects the Socket.IO event stream. Submit jobs once `connected`
    /// arrives, or their first events may be missed.
    /// Errors: engineio::errc::already_started.
    std::error_code start(instant now) {
        sio_sink k{*this};
        return events_.start(clamp_(now), k);
    }
    /// Closes the event stream for good (until start()); unfinished jobs fail
    /// with connection_lost.
    void close(instant now) {
        sio_sink k{*this};
        events_.close(clamp_(now), k);
    }

    // ---- REST ------------------------------------------------------------------------

    /// Queues GET /api/models; its answer comes as a `models` action.
    /// Errors: errc::too_many_requests.
    std::error_code fetch_models(instant now) {
        now = clamp_(now);
        return issue(request_kind::models, 0, "GET", "/api/models", {}, "application/json", nullptr, now);
    }

    /// Tracks a new job and queues POST /api/queue/txt2img for it; `job`
    /// receives its handle. With config::generate_job_ids and no r.job_id,
    /// the client picks the job_id.
    /// Errors (nothing changes): errc::invalid_request (see
    /// txt2img_request::validate), errc::too_many_jobs, errc::too_many_requests.
    std::error_code submit(const txt2img_request& r, instant now, std::uint64_t& job) {
        now = clamp_(now);
        if (const auto ec = r.validate()) return ec;
        if (requests_.size() >= requests_.capacity()) return errc::too_many_requests;
        std::array<char, 16> generated{};
        std::string_view job_id = r.job_id;
        if (job_id.empty() && cfg_.generate_job_ids) {
            static constexpr char hex[] = "0123456789abcdef";
            std::uint64_t bits = rng_.next();
            for (auto& c : generated) {
                c = hex[bits & 15];
                bits >>= 4;
            }
            job_id = std::string_view(generated.data(), generated.size());
        }
        std::uint64_t handle = 0;
        const instant deadline = cfg_.job_timeout.count() > 0 ? now + cfg_.job_timeout : instant::never();
        if (const auto ec = jobs_.add(job_id, deadline, handle)) return ec;
        if (const auto ec = issue(request_kind::submit, handle, "POST", "/api/queue/txt2img", {}, "application/json", &r, now)) {
            (void)jobs_.forget(handle);
            return ec;
        }
        job = handle;
        return {};
    }

    /// Tracks a job queued earlier, e.g. by a previous run of the process
    /// that saved its job_id: from now on its events and images are handled
    /// as a submitted job's (it starts as queued, with a fresh job deadline).
    /// `job` receives its handle (the existing one when it is already tracked).
    /// Errors: errc::invalid_request (empty job_id), errc::too_many_jobs.
    std::error_code track(std::string_view job_id, instant now, std::uint64_t& job) {
        now = clamp_(now);
        if (job_id.empty()) return errc::invalid_request;
        if (const std::uint64_t h = jobs_.find(job_id)) {
            job = h;
            return {};
        }
        const instant deadline = cfg_.job_timeout.count() > 0 ? now + cfg_.job_timeout : instant::never();
        std::uint64_t handle = 0;
        if (const auto ec = jobs_.add(job_id, deadline, handle)) return ec;
        (void)jobs_.queued(handle, job_id);
        job = handle;
        return {};
    }

    /// Queues GET /api/images/:job_id; the answer comes as an `image` action
    /// (ready = false on 404: not finished yet). Errors: errc::unknown_job,
    /// errc::job_not_ready (no job_id yet), errc::too_many_requests.
    std::error_code fetch_image(std::uint64_t job, instant now) { return fetch(request_kind::image, job, clamp_(now)); }
    /// Queues GET /api/previews/:job_id (the latest preview; 404 until there
    /// is one). Errors: as fetch_image().
    std::error_code fetch_preview(std::uint64_t job, instant now) { return fetch(request_kind::preview, job, clamp_(now)); }

    /// Stops tracking a job (its slot is free; its later events are foreign).
    /// Errors: errc::unknown_job.
    std::error_code forget(std::uint64_t job) { return jobs_.forget(job); }

    /// The answer to an http_request action: the status and the whole body
    /// (decoded from chunked or compressed encodings by the caller).
    /// Errors: errc::unknown_request (already answered, timed out, or never
    /// issued: nothing changes).
    std::error_code on_http_response(std::uint64_t request, unsigned status, std::string_view body, instant now) {
        now = clamp_(now);
        const auto r = requests_.resolve(request);
        if (!r) return errc::unknown_request;
        handle_response(*r, status, body, {}, now);
        return {};
    }
    /// The http_request could not be performed (connection refused, reset,
    /// ...): its job or request fails with errc::request_failed (`why` is
    /// not kept). Errors: errc::unknown_request.
    std::error_code on_http_failure(std::uint64_t request, std::error_code why, instant now) {
        (void)why;
        now = clamp_(now);
        const auto r = requests_.resolve(request);
        if (!r) return errc::unknown_request;
        handle_response(*r, 0, {}, make_error_code(errc::request_failed), now);
        return {};
    }

    // ---- message_machine ------------------------------------------------------------

    void on_open(instant now) {
        sio_sink k{*this};
        events_.on_open(clamp_(now), k);
    }
    void on_message(std::string_view msg, message_type type, instant now) {
        now = clamp_(now);
        sio_sink k{*this};
        events_.on_message(msg, type, now, k);
        if (refused_) { // the server refused namespace "/": no events will ever come on this connection
            refused_ = false;
            events_.close(now, k);
        }
    }
    void on_close(const close_info& info, instant now) {
        sio_sink k{*this};
        events_.on_close(info, clamp_(now), k);
    }
    /// Fires the Socket.IO timers, HTTP request deadlines and job deadlines.
    void handle_timeout(instant now) {
        now = clamp_(now);
        sio_sink k{*this};
        events_.handle_timeout(now, k);
        requests_.expire(now, [&](std::uint64_t, pending_request&& r) {
            handle_response(r, 0, {}, make_error_code(errc::request_timeout), now);
        });
        jobs_.expire(now, [&](std::uint64_t h) { push_job(h, job_status::timed_out, make_error_code(errc::job_timeout)); });
    }
    /// The earliest of the three deadlines; O(1).
    instant next_deadline() const noexcept {
        instant t = events_.next_deadline();
        if (requests_.next_deadline() < t) t = requests_.next_deadline();
        if (jobs_.next_deadline() < t) t = jobs_.next_deadline();
        return t;
    }

    /// The next action or nullptr; valid (with everything it points to)
    /// until the next mutating call.
    const entry* poll() {
        if (!io_) return nullptr;
        const auto* e = io_->queue.poll();
        if (e == nullptr) return nullptr;
        entry& current_ = io_->current;
        const stored& s = e->action;
        action a{.kind = s.kind, .op = s.op, .type = s.type, .close_code = s.close_code};
        if (s.kind == action_kind::transport) {
            current_ = {a, e->bytes};
            return &current_;
        }
        std::string_view rest = e->bytes;
        auto take = [&](std::uint32_t n) {
            const std::string_view v = rest.substr(0, n);
            rest.remove_prefix(n);
            return v;
        };
        const std::string_view s1 = take(s.len[0]), s2 = take(s.len[1]), s3 = take(s.len[2]), s4 = take(s.len[3]);
        a.job = s.job;
        a.status = s.status;
        a.image = s.image;
        a.ready = s.ready;
        a.event = s.event;
        a.http_status = s.http_status;
        a.error = s.error;
        a.peer_close = s.peer_close;
        a.retry_at = s.retry_at;
        std::string_view bytes{};
        switch (s.kind) {
        case action_kind::transport: break;
        case action_kind::connected:
        case action_kind::disconnected:
        case action_kind::request_failed: a.data = s1; break;
        case action_kind::http_request:
            a.request = {s.request, s1, s2, s2.substr(std::min(s2.size(), http_base_len())), s3, s4};
            break;
        case action_kind::models:
            if (decode_models(s1, decoded().models)) a.detail_error = make_error_code(errc::bad_response);
            a.models = decoded().models;
            break;
        case action_kind::job:
            a.job_id = s1;
            a.data = s2;
            decode_detail(s.detail, s2, a);
            break;
        case action_kind::image:
            a.job_id = s1;
            bytes = s2;
            break;
        case action_kind::event:
            a.name = s1;
            a.data = s2;
            if (is_job_event(s.event)) decode_detail(detail_kind::task, s2, a);
            break;
        }
        current_ = {a, bytes};
        return &current_;
    }

    // ---- state -----------------------------------------------------------------------

    /// What the tracker knows of a job (nullopt: unknown handle).
    std::optional<job_info> job(std::uint64_t handle) const noexcept { return jobs_.get(handle); }
    const job_tracker& jobs() const noexcept { return jobs_; }
    const socketio::session& events() const noexcept { return events_; }
    /// True while the event stream's namespace "/" is connected.
    bool is_connected() const noexcept { return events_.state_of("/") == socketio::namespace_state::connected; }
    std::size_t pending_requests() const noexcept { return requests_.size(); }
    /// The configuration but the event stream's (events().engine().settings() has that).
    const client_settings& settings() const noexcept { return cfg_; }

    // ---- memory -----------------------------------------------------------------

    /// Gives back what an idle client does not need: the action queue and the
    /// polled entry once everything was polled, the decoded payloads, the
    /// request table when no request is pending, the job table when no job is
    /// tracked (forget() ended ones), the held early events when none is
    /// held, and the event stream's unused buffers (socketio::session::shrink).
    /// Views from the last poll() become invalid. The next use allocates again.
    void shrink() noexcept {
        if (io_ && io_->queue.empty()) io_.reset();
        decoded_.reset();
        requests_.shrink();
        jobs_.shrink();
        bool held = false;
        for (const auto& ev : early_) held = held || ev.used;
        if (!held) {
            std::vector<early_event>().swap(early_);
            early_next_ = 0;
        }
        events_.shrink();
    }
    /// Heap bytes the client holds (capacities of its strings, vectors and
    /// tables; libstdc++'s short strings count 0), the event stream's included.
    std::size_t heap_bytes() const noexcept {
        using engineio::detail::heap_of;
        std::size_t n = heap_of(cfg_.http_base) + heap_of(cfg_.authorization) + events_.heap_bytes() + jobs_.heap_bytes() + requests_.heap_bytes() +
                        early_.capacity() * sizeof(early_event);
        for (const auto& ev : early_) n += heap_of(ev.job_id) + heap_of(ev.args);
        if (io_) n += sizeof(io_state) + io_->queue.heap_bytes() + heap_of(io_->id_scratch);
        if (decoded_) {
            n += sizeof(decoded_state) + decoded_->models.capacity() * sizeof(model); // (task strings not counted)
        }
        return n;
    }

private:
    enum class request_kind : std::uint8_t { models, submit, image, preview };
    struct pending_request {
        request_kind kind = request_kind::models;
        std::uint64_t job = 0;
    };
    enum class detail_kind : std::uint8_t { none, task, queued };

    // What the queue holds: fixed fields and up to four strings, one after
    // the other in the payload (their lengths in len).
    struct stored {
        action_kind kind = action_kind::transport;
        transport_op op = transport_op::none;
        message_type type = message_type::text;
        std::uint16_t close_code = 0;
        job_status status = job_status::queued;
        image_kind image = image_kind::final_image;
        bool ready = false;
        event_name event = event_name::other;
        detail_kind detail = detail_kind::none;
        std::uint64_t job = 0;
        std::uint64_t request = 0;
        unsigned http_status = 0;
        std::uint32_t len[4] = {0, 0, 0, 0};
        std::error_code error{};
        std::optional<std::uint16_t> peer_close{};
        instant retry_at = instant::never();
    };

    // One held event (see config::early_events).
    struct early_event {
        event_name event = event_name::other;
        std::string job_id{};
        std::string args{};
        bool used = false;
    };

    // The Socket.IO session's sink: transport work into our queue, events
    // into the Navigator logic.
    struct sio_sink {
        client& c;
        std::string& begin_send() { return c.queue().begin_payload(); }
        void commit_send(message_type t) { c.queue().commit(stored{.op = transport_op::send, .type = t}); }
        void rollback_send() { c.queue().rollback(); }
        void open_transport(std::string_view url, std::string_view headers) {
            std::string& out = c.queue().begin_payload();
            out.append(url);
            if (!headers.empty()) {
                out.append("\r\n");
                out.append(headers);
            }
            c.queue().commit(stored{.op = transport_op::open});
        }
        void close_transport(std::uint16_t code, std::string_view reason) {
            c.queue().push(stored{.op = transport_op::close, .close_code = code}, reason);
        }
        void engine_opened(const engineio::handshake&, instant) {}
        void engine_ping(instant) {}
        void engine_disconnected(std::error_code ec, std::optional<std::uint16_t> code, instant retry_at, instant) {
            stored s{.kind = action_kind::disconnected, .error = ec, .peer_close = code, .retry_at = retry_at};
            c.queue().push(s);
            if (retry_at.is_never()) // no more events will come: unfinished jobs cannot end otherwise
                c.jobs_.fail_all([&](std::uint64_t h) { c.push_job(h, job_status::failed, make_error_code(errc::connection_lost)); });
        }
        void namespace_connected(std::string_view, std::string_view sid, instant) {
            c.push_strings(stored{.kind = action_kind::connected}, sid);
        }
        void namespace_refused(std::string_view, std::string_view data, instant) {
            c.push_strings(stored{.kind = action_kind::disconnected, .error = make_error_code(socketio::errc::namespace_refused)}, data);
            c.refused_ = true; // closed once the session's call returns (see on_message)
        }
        void namespace_disconnected(std::string_view, std::error_code ec, instant) {
            if (ec == socketio::errc::server_disconnect) c.queue().push(stored{.kind = action_kind::disconnected, .error = ec});
        }
        void event_received(const socketio::event_view& ev, instant now) { c.on_event(ev.name, ev.first_arg, now); }
        void ack_resolved(const socketio::ack_view&, instant) {}
    };

    static socketio::config events_config(config cfg) {
        if (!cfg.authorization.empty()) {
            cfg.events.engine.headers.append("Authorization: ");
            cfg.events.engine.headers.append(cfg.authorization);
            cfg.events.engine.headers.append("\r\n");
        }
        return std::move(cfg.events);
    }
    std::size_t http_base_len() const noexcept { return cfg_.http_base.size(); }

    // Appends strings to the payload and queues `s` with their lengths.
    template <class... Views>
    void push_strings(stored s, Views... views) {
        std::string& out = queue().begin_payload();
        std::size_t i = 0;
        ((out.append(views), s.len[i++] = static_cast<std::uint32_t>(views.size())), ...);
        (void)i;
        queue().commit(s);
    }

    void push_job(std::uint64_t handle, job_status status, std::error_code error = {}, detail_kind detail = detail_kind::none,
                  std::string_view data = {}, unsigned http_status = 0) {
        const auto info = jobs_.get(handle);
        const std::string_view job_id = info ? info->job_id : std::string_view{};
        push_strings(stored{.kind = action_kind::job, .status = status, .detail = detail, .job = handle, .http_status = http_status,
                            .error = error},
                     job_id, data);
    }

    void decode_detail(detail_kind d, std::string_view json_text, action& a) {
        switch (d) {
        case detail_kind::none: break;
        case detail_kind::queued:
            if (decode_queued(json_text, decoded().queued)) a.detail_error = make_error_code(errc::bad_response);
            else a.queued = &decoded().queued;
            break;
        case detail_kind::task: {
            task& t = task_for(a.kind == action_kind::event ? a.event : event_of(a.status));
            if (decode_task(json_text, t)) a.detail_error = make_error_code(errc::bad_event);
            else a.task = &t;
            break;
        }
        }
    }
    static event_name event_of(job_status s) noexcept {
        switch (s) {
        case job_status::model_changed: return event_name::model_changed;
        case job_status::started: return event_name::task_started;
        case job_status::progress: return event_name::task_progress;
        case job_status::finished: return event_name::task_finished;
        case job_status::failed: return event_name::task_failed;
        case job_status::interrupted: return event_name::task_interrupted;
        default: return event_name::other;
        }
    }
    // One decoded task a kind of event, reused: a kind's fields stay the same
    // from event to event, so their strings never reallocate.
    task& task_for(event_name e) { return decoded().tasks[static_cast<std::size_t>(e)]; }

    // ---- HTTP ----------------------------------------------------------------------

    static void append_path_segment(std::string& out, std::string_view s) {
        static constexpr char hex[] = "0123456789ABCDEF";
        for (const char ch : s) {
            const auto u = static_cast<unsigned char>(ch);
            const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '.' ||
                                    u == '_' || u == '~';
            if (unreserved) {
                out.push_back(ch);
            } else {
                out.push_back('%');
                out.push_back(hex[u >> 4]);
                out.push_back(hex[u & 15]);
            }
        }
    }

    std::error_code issue(request_kind kind, std::uint64_t job, std::string_view method, std::string_view path, std::string_view arg,
                          std::string_view accept, const txt2img_request* body, instant now) {
        if (requests_.size() >= requests_.capacity()) return errc::too_many_requests;
        const std::uint64_t id = ++last_request_;
        std::string& out = queue().begin_payload();
        stored s{.kind = action_kind::http_request, .job = job, .request = id};
        out.append(method);
        s.len[0] = static_cast<std::uint32_t>(method.size());
        std::size_t at = out.size();
        out.append(cfg_.http_base);
        out.append(path);
        append_path_segment(out, arg);
        s.len[1] = static_cast<std::uint32_t>(out.size() - at);
        at = out.size();
        out.append("Accept: ");
        out.append(accept);
        out.append("\r\n");
        if (body) out.append("Content-Type: application/json\r\n");
        if (!cfg_.authorization.empty()) {
            out.append("Authorization: ");
            out.append(cfg_.authorization);
            out.append("\r\n");
        }
        s.len[2] = static_cast<std::uint32_t>(out.size() - at);
        at = out.size();
        if (body) {
            const auto info = jobs_.get(job);
            if (const auto ec = write_txt2img_body(*body, info ? info->job_id : std::string_view{}, out)) {
                queue().rollback();
                return ec;
            }
        }
        s.len[3] = static_cast<std::uint32_t>(out.size() - at);
        queue().commit(s);
        (void)requests_.insert(id, now + cfg_.http_timeout, pending_request{kind, job});
        return {};
    }

    std::error_code fetch(request_kind kind, std::uint64_t job, instant now) {
        const auto info = jobs_.get(job);
        if (!info) return errc::unknown_job;
        if (info->job_id.empty()) return errc::job_not_ready;
        return issue(kind, job, "GET", kind == request_kind::image ? "/api/images/" : "/api/previews/", info->job_id, "image/png",
                     nullptr, now);
    }

    static bool is_2xx(unsigned status) noexcept { return status >= 200 && status < 300; }
    static std::error_code status_error(unsigned status) noexcept {
        return status == 401 || status == 403 ? make_error_code(errc::unauthorized) : make_error_code(errc::http_status);
    }
    static bool is_png(std::string_view body) noexcept { return body.starts_with("\x89PNG\r\n\x1a\n"); }

    // An HTTP answer (or failure: `failure` set, status 0).
    void handle_response(const pending_request& r, unsigned status, std::string_view body, std::error_code failure, instant now) {
        switch (r.kind) {
        case request_kind::models:
            if (failure) push_strings(stored{.kind = action_kind::request_failed, .error = failure});
            else if (!is_2xx(status))
                push_strings(stored{.kind = action_kind::request_failed, .http_status = status, .error = status_error(status)}, body);
            else if (decode_models(body, decoded().models)) // checked now, so that a bad body is a failure, not a models action
                push_strings(stored{.kind = action_kind::request_failed, .http_status = status, .error = make_error_code(errc::bad_response)},
                             body);
            else push_strings(stored{.kind = action_kind::models, .http_status = status}, body);
            return;
        case request_kind::submit: {
            const auto info = jobs_.get(r.job);
            if (!info || is_terminal(info->state)) return; // forgotten, or already ended (timed out)
            if (failure) {
                if (jobs_.advance(r.job, job_state::failed)) push_job(r.job, job_status::failed, failure);
                return;
            }
            if (!is_2xx(status)) {
                if (jobs_.advance(r.job, job_state::failed))
                    push_job(r.job, job_status::failed, status == 401 || status == 403 ? status_error(status) : make_error_code(errc::submit_rejected),
                             detail_kind::none, body, status);
                return;
            }
            if (decode_queued(body, decoded().queued)) {
                if (jobs_.advance(r.job, job_state::failed))
                    push_job(r.job, job_status::failed, make_error_code(errc::bad_response), detail_kind::none, body, status);
                return;
            }
            (void)jobs_.queued(r.job, decoded().queued.job_id);
            push_job(r.job, job_status::queued, {}, detail_kind::queued, body, status);
            replay_early(decoded().queued.job_id, now);
            return;
        }
        case request_kind::image:
        case request_kind::preview: {
            const auto info = jobs_.get(r.job);
            const std::string_view job_id = info ? info->job_id : std::string_view{};
            const image_kind which = r.kind == request_kind::image ? image_kind::final_image : image_kind::preview;
            stored s{.kind = action_kind::image, .image = which, .job = r.job, .http_status = status};
            if (failure) s.error = failure;
            else if (status == 404) s.ready = false;
            else if (!is_2xx(status)) s.error = status_error(status);
            else if (!is_png(body)) s.error = make_error_code(errc::not_png);
            else s.ready = true;
            push_strings(s, job_id, s.ready ? body : std::string_view{});
            return;
        }
        }
    }

    // ---- events ----------------------------------------------------------------------

    void on_event(std::string_view name, std::string_view arg, instant now) {
        const event_name e = classify(name);
        if (!is_job_event(e)) {
            push_strings(stored{.kind = action_kind::event, .event = e}, name, arg);
            return;
        }
        std::string& id_scratch_ = io().id_scratch;
        if (!peek_job_id(arg, id_scratch_)) { // a job event without a job id: report it raw
            push_strings(stored{.kind = action_kind::event, .event = e, .error = make_error_code(errc::bad_event)}, name, arg);
            return;
        }
        if (const std::uint64_t h = jobs_.find(id_scratch_)) return job_event(h, e, arg, now);
        if (jobs_.awaiting_ids() && cfg_.early_events != 0) { // maybe ours, before its queue answer
            if (early_.empty()) early_.resize(cfg_.early_events); // held events are rare: allocated when first needed
            early_event& slot = early_[early_next_];
            early_next_ = static_cast<std::uint32_t>((early_next_ + 1) % early_.size());
            if (slot.used && cfg_.report_foreign_events) report_foreign(slot);
            slot.event = e;
            slot.job_id.assign(id_scratch_);
            slot.args.assign(arg);
            slot.used = true;
            return;
        }
        if (cfg_.report_foreign_events) push_strings(stored{.kind = action_kind::event, .event = e}, name, arg);
    }

    void report_foreign(const early_event& ev) {
        push_strings(stored{.kind = action_kind::event, .event = ev.event}, to_string(ev.event), ev.args);
    }

    // The queue answer named a job: its held events happen now, in order.
    void replay_early(std::string_view job_id, instant now) {
        const std::uint64_t h = jobs_.find(job_id);
        for (std::size_t k = 0; k < early_.size(); ++k) {
            early_event& ev = early_[(early_next_ + k) % early_.size()];
            if (!ev.used || ev.job_id != job_id) continue;
            ev.used = false;
            if (h != 0) job_event(h, ev.event, ev.args, now);
        }
        if (!jobs_.awaiting_ids()) // nothing else can claim the rest
            for (auto& ev : early_) {
                if (ev.used && cfg_.report_foreign_events) report_foreign(ev);
                ev.used = false;
            }
    }

    // An event for our job `h`.
    void job_event(std::uint64_t h, event_name e, std::string_view arg, instant now) {
        switch (e) {
        case event_name::model_changed:
        case event_name::task_progress:
        case event_name::task_started: {
            const auto info = jobs_.get(h);
            if (!info || is_terminal(info->state)) return; // after the end: ignored
            if (e != event_name::model_changed) (void)jobs_.advance(h, job_state::started); // a missed task-started is implied
            const job_status st = e == event_name::model_changed ? job_status::model_changed
                                  : e == event_name::task_started ? job_status::started
                                                                  : job_status::progress;
            push_job(h, st, {}, detail_kind::task, arg);
            return;
        }
        case event_name::task_finished:
            if (!jobs_.advance(h, job_state::finished)) return;
            push_job(h, job_status::finished, {}, detail_kind::task, arg);
            if (cfg_.fetch_image_on_finish) (void)fetch(request_kind::image, h, now);
            return;
        case event_name::task_failed:
            if (!jobs_.advance(h, job_state::failed)) return;
            push_job(h, job_status::failed, make_error_code(errc::task_failed), detail_kind::task, arg);
            return;
        case event_name::task_interrupted:
            if (!jobs_.advance(h, job_state::interrupted)) return;
            push_job(h, job_status::interrupted, make_error_code(errc::task_interrupted), detail_kind::task, arg);
            return;
        case event_name::connected:
        case event_name::other: return;
        }
    }

    client_settings cfg_;
    entropy rng_;
    monotonic_clamp clamp_;
    // The action queue, the polled entry and the job id scratch: one block,
    // allocated by the first action, freed by shrink().
    struct io_state {
        action_queue<stored> queue;
        entry current{};
        std::string id_scratch{};
    };
    // What poll() decodes into (one task per event kind, so each keeps its
    // buffers), allocated by the first decode, freed by shrink().
    struct decoded_state {
        std::array<task, 8> tasks{};
        navigator::queued queued{};
        std::vector<model> models{};
    };
    action_queue<stored>& queue() {
        if (!io_) io_ = std::make_unique<io_state>();
        return io_->queue;
    }
    io_state& io() {
        (void)queue();
        return *io_;
    }
    decoded_state& decoded() {
        if (!decoded_) decoded_ = std::make_unique<decoded_state>();
        return *decoded_;
    }

    std::unique_ptr<io_state> io_{};
    std::unique_ptr<decoded_state> decoded_{};
    socketio::session events_;
    job_tracker jobs_;
    nonce_table<pending_request> requests_;
    std::uint64_t last_request_ = 0;
    std::vector<early_event> early_{};
    std::uint32_t early_next_ = 0;
    bool refused_ = false; // namespace "/" was refused during the current call
};

} // namespace sluice::navigator
