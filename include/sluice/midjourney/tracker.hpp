#pragma once
// sluice/midjourney/tracker.hpp: Midjourney jobs over the Discord gateway
// and REST (seed 000), as a sans-I/O machine.
//
// Midjourney has no API: a client sends the bot's slash command (/imagine)
// and presses its buttons as Discord interactions, and follows the bot's
// messages on the gateway. Automating a user account is against Discord's
// terms of service; this library works the same with whatever token the
// caller supplies, and the choice and its consequences are the caller's.
//
// How a job is followed (the seed's two maps, completed):
//  1. imagine(prompt): a nonce (snowflake) → job; POST /interactions type 2.
//  2. MESSAGE_CREATE from the bot carrying our nonce: the job has started;
//     its message id → job, and the prompt as Midjourney echoed it (between
//     the first "**" pair; it may differ from what was sent: links rewritten,
//     "--v 6.0" added) is recorded.
//  3. MESSAGE_UPDATE of that message id (nonce null): progress "(31%)".
//  4. MESSAGE_DELETE of that id: the original is gone; the job waits for its
//     result (the seed's TODO).
//  5. MESSAGE_CREATE without our nonce, with an image and no progress
//     marker: a result, matched to a started job by the echoed prompt (and
//     the result kind: grid, upscale "Image #N", or "Variations"). Two jobs
//     with the same prompt resolve in submission order: the oldest job that
//     matches takes the first result.
//  Embeds on a message of the job: "Job queued" keeps waiting; "Invalid
//  parameter", "Banned prompt", "Queue full", "Action needed to continue",
//  "Pending mod message" and any other red or yellow embed fail the job with
//  that reason. Every job ends exactly once: finished, failed, or failed with
//  errc::timed_out at its deadline (config::job_timeout).
//  Only messages from the Midjourney bot (config::bot_id) in the job's channel
//  count; updates and deletes are matched by message id.
//
// The machine owns a discord::rest::client for the HTTP side: it hands out
// `http_request` actions (the whole HTTP/1.1 request and its parts); give
// each response back with on_response(request, ...). Feed every gateway
// entry of the Discord client to on_gateway() (READY gives the session id the
// interactions need; MESSAGE_* drive the jobs; the rest is ignored).
//
//     midjourney::tracker mj({.rest = {.authorization = token}, .guild_id = g, .channel_id = ch});
//     mj.start(now);                                    // fetches the application commands
//     while (auto* e = bot.poll()) { ...; mj.on_gateway(*e, now); }
//     mj.imagine("a lighthouse at dawn", unix_ms, now, job);
//     while (auto* a = mj.poll()) switch (a->action.kind) {
//         case midjourney::action_kind::http_request: http.perform(midjourney::request(*a)); break;
//         case midjourney::action_kind::progress: show(a->action.job, a->action.percent); break;
//         case midjourney::action_kind::finished: use(mj.find(a->action.job)->image_url); break;
//         case midjourney::action_kind::failed: report(a->action.error, a->bytes); break;
//         default: break;
//     }
//
// Memory: max_jobs slots allocated at construction; their strings keep their
// capacity, so following jobs allocates nothing once warmed up (messages are
// read into one reused view; their arrays only when a job needs them). Views in polled entries are valid until the
// next mutating call; a job returned by find() until it is forgotten or evicted.
//
// Includes: <cstdint>, <optional>, <span>, <string>, <string_view>,
// <system_error>, <vector>; core (action queue, snowflake, time);
// discord (events, rest, types); gateway/action.hpp; http/syntax.hpp;
// midjourney/errc.hpp, midjourney/parse.hpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/snowflake.hpp>
#include <sluice/core/time.hpp>
#include <sluice/discord/events.hpp>
#include <sluice/discord/rest.hpp>
#include <sluice/discord/types.hpp>
#include <sluice/gateway/action.hpp>
#include <sluice/http/syntax.hpp>
#include <sluice/midjourney/errc.hpp>
#include <sluice/midjourney/parse.hpp>

namespace sluice::midjourney {

/// The Midjourney bot's user id (also its application id).
inline constexpr snowflake midjourney_bot{936929561302675456};

enum class job_kind : std::uint8_t { imagine, upscale, variation, reroll };

constexpr std::string_view to_string(job_kind k) noexcept {
    switch (k) {
    case job_kind::imagine: return "imagine";
    case job_kind::upscale: return "upscale";
    case job_kind::variation: return "variation";
    case job_kind::reroll: return "reroll";
    }
    return "?";
}

enum class job_state : std::uint8_t {
    free,       ///< (an unused slot)
    submitting, ///< the interaction is being posted
    waiting,    ///< the interaction was accepted; no message from the bot yet
    started,    ///< the bot's message with our nonce arrived (progress may follow)
    deleted,    ///< that message was deleted: the result is next
    finished,   ///< the result arrived (image_url, hash, buttons)
    failed,     ///< refused, failed, or timed out (`error`, `reason`)
};

/// What the tracker hands out.
enum class action_kind : std::uint8_t {
    http_request, ///< perform `bytes` (HTTP/1.1; parts in `http`), then on_response(request, ...)
    ready,        ///< session and commands known: imagine() works now
    queued,       ///< the bot queued the job ("Job queued"); it keeps waiting
    started,      ///< the job started; bytes = the prompt as Midjourney echoed it
    progress,     ///< `percent` done
    finished,     ///< done; bytes = the image URL; find(job) has hash and buttons
    failed,       ///< `error` says why (timed_out at the deadline); bytes = the reason text
};

struct action {
    action_kind kind = action_kind::ready;
    job_kind type = job_kind::imagine;
    std::uint8_t percent = 0;
    std::uint16_t status = 0; ///< failed by HTTP: the status
    std::uint64_t job = 0;     ///< the job (its nonce)
    std::uint64_t request = 0; ///< http_request: pass to on_response() / on_failure()
    std::error_code error;     ///< failed: why
    discord::rest::action http; ///< http_request: where method, target, headers and body are in bytes
};

using entry = action_queue<action>::entry;

/// The parts of an http_request entry.
inline discord::rest::request_view request(const entry& e) noexcept { return discord::rest::view({e.action.http, e.bytes}); }

/// A job, as find() shows it. Strings are owned by the tracker.
struct job {
    std::uint64_t id = 0;      ///< the nonce, as a number
    std::uint64_t request = 0; ///< the REST request that posted it
    std::uint64_t order = 0;   ///< submission order
    snowflake message_id;      ///< the bot's message (started/progress), then the result's
    snowflake parent_message;  ///< upscale/variation/reroll: the grid's message
    std::uint64_t message_flags = 0;
    instant deadline = instant::never();
    std::error_code error;
    job_kind kind = job_kind::imagine;
    job_state state = job_state::free;
    std::uint8_t percent = 0;
    std::uint8_t index = 0;
    std::string prompt;    ///< what was sent (imagine), or the parent's echoed prompt
    std::string echoed;    ///< as Midjourney echoed it
    std::string image_url; ///< finished: the first attachment's URL
    std::string hash;      ///< finished: the job hash (from the buttons or the file name)
    std::string reason;    ///< failed: the embed's title and description, or the HTTP body

    /// finished: the custom ids of the result's buttons (U1-U4, V1-V4, reroll, ...).
    std::span<const std::string> buttons() const noexcept { return {button_store.data(), button_count}; }
    std::vector<std::string> button_store; ///< (storage of buttons(); strings reused across jobs)
    std::size_t button_count = 0;

    bool running() const noexcept {
        return state == job_state::submitting || state == job_state::waiting || state == job_state::started ||
               state == job_state::deleted;
    }
};

struct config {
    discord::rest::config rest;           ///< authorization etc. for discord.com
    snowflake application_id = midjourney_bot;
    snowflake bot_id = midjourney_bot;    ///< only this author's messages count
    std::optional<snowflake> guild_id{};  ///< none for a DM channel
    snowflake channel_id{};               ///< where jobs run
    duration job_timeout = std::chrono::minutes(10);
    std::uint32_t max_jobs = 16;
    std::uint32_t worker = 0, process = 0; ///< snowflake generator fields for nonces
    /// The imagine command, when already known (skips fetching the commands).
    std::optional<snowflake> imagine_id{};
    std::optional<snowflake> imagine_version{};
};

class tracker {
public:
    explicit tracker(const config& c)
        : rest_(c.rest), jobs_(c.max_jobs), nonces_(c.worker, c.process), app_(c.application_id), bot_(c.bot_id), guild_(c.guild_id),
          channel_(c.channel_id), timeout_(c.job_timeout) {
        if (c.imagine_id && c.imagine_version) {
            imagine_id_ = *c.imagine_id;
            imagine_version_ = *c.imagine_version;
            have_commands_ = true;
        }
    }

    /// Fetches the application commands (GET /applications/{app}/commands),
    /// unless the config named the imagine command. Errors: the REST queue's.
    std::error_code start(instant now) {
        now = clock_(now);
        if (have_commands_ || commands_request_ != 0) return {};
        std::error_code ec = rest_.get_application_commands(app_, guild_, now, commands_request_);
        pump(now);
        return ec;
    }

    /// True when imagine() can run (READY seen and the imagine command known).
    bool is_ready() const noexcept { return have_commands_ && !session_.empty(); }

    // ---- inputs ---------------------------------------------------------

    /// A gateway entry of the Discord client (any kind: only READY and the
    /// MESSAGE_* dispatches matter). Never fails: a payload that does not
    /// decode is ignored.
    void on_gateway(const gateway::action& a, std::string_view bytes, instant now) {
        now = clock_(now);
        switch (discord::event_of(a, bytes)) {
        case discord::event::ready: {
            discord::ready r;
            if (discord::decode(a, bytes, r)) return;
            const bool was = is_ready();
            session_.assign(discord::text(r.session_id, scratch_));
            if (!was && is_ready()) emit(action_kind::ready, nullptr);
            return;
        }
        case discord::event::message_create:
            if (!json::read(msg_, gateway::detail::slice(bytes, a.data_offset, a.data_size))) on_create(now);
            return;
        case discord::event::message_update:
            if (!json::read(msg_, gateway::detail::slice(bytes, a.data_offset, a.data_size))) on_update(now);
            return;
        case discord::event::message_delete:
            if (!discord::decode(a, bytes, del_)) on_delete();
            return;
        default: return;
        }
    }
    void on_gateway(const gateway::entry& e, instant now) { on_gateway(e.action, e.bytes, now); }

    /// The response to an http_request. Errors: discord::errc::unknown_request.
    std::error_code on_response(std::uint64_t request, std::uint16_t status, std::span<const http::field> headers, std::string_view body,
                                instant now) {
        now = clock_(now);
        const std::error_code ec = rest_.on_response(request, status, headers, body, now);
        pump(now);
        return ec;
    }
    /// An http_request failed at the transport. Errors: discord::errc::unknown_request.
    std::error_code on_failure(std::uint64_t request, instant now) {
        now = clock_(now);
        const std::error_code ec = rest_.on_failure(request, now);
        pump(now);
        return ec;
    }

    // ---- jobs -------------------------------------------------------------

    /// Starts an imagine job; `unix_ms` is the wall clock for the nonce.
    /// Errors (nothing sent): not_ready, invalid_prompt, jobs_full, the REST
    /// queue's (rest_queue_full).
    std::error_code imagine(std::string_view prompt, std::int64_t unix_ms, instant now, std::uint64_t& id) {
        now = clock_(now);
        if (!is_ready()) return errc::not_ready;
        if (prompt.empty() || prompt.size() > 4000) return errc::invalid_prompt;
        job* j = claim();
        if (!j) return errc::jobs_full;
        const snowflake nonce = nonces_.next(unix_ms);
        const discord::rest::command_option opts[] = {{"prompt", prompt}};
        discord::rest::command_interaction ci;
        ci.application_id = app_;
        ci.guild_id = guild_;
        ci.channel_id = channel_;
        ci.session_id = session_;
        ci.nonce = nonce;
        ci.command_id = imagine_id_;
        ci.command_version = imagine_version_;
        ci.command_name = "imagine";
        ci.options = opts;
        std::uint64_t request = 0;
        if (std::error_code ec = rest_.post_interaction(ci, now, request)) return ec;
        begin(*j, job_kind::imagine, nonce, request, prompt, 0, now);
        id = j->id;
        pump(now);
        return {};
    }

    /// Upscales image `index` (1-4) of a finished grid job. Errors:
    /// unknown_job, not_finished, invalid_index, not_ready, jobs_full.
    std::error_code upscale(std::uint64_t grid, int index, std::int64_t unix_ms, instant now, std::uint64_t& id) {
        return button(grid, job_kind::upscale, index, unix_ms, now, id);
    }
    /// Variations of image `index` (1-4) of a finished grid job. Errors as upscale.
    std::error_code variation(std::uint64_t grid, int index, std::int64_t unix_ms, instant now, std::uint64_t& id) {
        return button(grid, job_kind::variation, index, unix_ms, now, id);
    }
    /// Runs a finished grid job's prompt again. Errors as upscale (no index).
    std::error_code reroll(std::uint64_t grid, std::int64_t unix_ms, instant now, std::uint64_t& id) {
        return button(grid, job_kind::reroll, 0, unix_ms, now, id);
    }

    /// The job, or nullptr. Valid until it is forgotten or evicted (finished
    /// and failed jobs are evicted oldest first when a new job needs a slot).
    const job* find(std::uint64_t id) const noexcept {
        for (const job& j : jobs_)
            if (j.state != job_state::free && j.id == id) return &j;
        return nullptr;
    }
    /// Frees a finished or failed job's slot. Errors: unknown_job (also for a
    /// running job: it ends by itself).
    std::error_code forget(std::uint64_t id) noexcept {
        for (job& j : jobs_)
            if (j.state != job_state::free && j.id == id && !j.running()) {
                j.state = job_state::free;
                return {};
            }
        return errc::unknown_job;
    }

    /// Fails running jobs past their deadline; sends due REST retries.
    void handle_timeout(instant now) {
        now = clock_(now);
        rest_.handle_timeout(now);
        for (job& j : jobs_)
            if (j.running() && j.deadline <= now) fail(j, errc::timed_out, 0, "no result before the deadline");
        pump(now);
    }
    instant next_deadline() const noexcept {
        const instant r = rest_.next_deadline();
        return r < next_ ? r : next_;
    }
    const entry* poll() noexcept { return queue_.poll(); }

    std::string_view session_id() const noexcept { return session_; }
    snowflake imagine_command() const noexcept { return imagine_id_; }

private:
    // ---- job slots
    job* claim() noexcept {
        job* oldest_done = nullptr;
        for (job& j : jobs_) {
            if (j.state == job_state::free) return &j;
            if (!j.running() && (!oldest_done || j.order < oldest_done->order)) oldest_done = &j;
        }
        return oldest_done; // evict the oldest finished/failed job; nullptr when all run
    }
    void begin(job& j, job_kind kind, snowflake nonce, std::uint64_t request, std::string_view prompt, int index, instant now) {
        j.id = nonce.value();
        j.request = request;
        j.order = ++order_;
        j.message_id = snowflake();
        j.message_flags = 0;
        j.deadline = now + timeout_;
        j.error.clear();
        j.kind = kind;
        j.state = job_state::submitting;
        j.percent = 0;
        j.index = static_cast<std::uint8_t>(index);
        j.prompt.assign(prompt);
        j.echoed.clear();
        j.image_url.clear();
        j.hash.clear();
        j.reason.clear();
        j.button_count = 0;
        recompute();
    }
    job* by_nonce(std::uint64_t nonce) noexcept {
        for (job& j : jobs_)
            if (j.running() && j.id == nonce) return &j;
        return nullptr;
    }
    job* by_message(snowflake id) noexcept {
        if (id == snowflake()) return nullptr;
        for (job& j : jobs_)
            if (j.running() && j.message_id == id) return &j;
        return nullptr;
    }

    std::error_code button(std::uint64_t grid, job_kind kind, int index, std::int64_t unix_ms, instant now, std::uint64_t& id) {
        now = clock_(now);
        const job* parent = find(grid);
        if (!parent) return errc::unknown_job;
        if (parent->state != job_state::finished || parent->kind == job_kind::upscale || parent->hash.empty())
            return errc::not_finished;
        if (kind != job_kind::reroll && (index < 1 || index > 4)) return errc::invalid_index;
        if (session_.empty()) return errc::not_ready;
        // The button's own id when the grid carried it, else the documented form.
        custom_.assign("MJ::JOB::");
        custom_.append(kind == job_kind::upscale ? "upsample" : kind == job_kind::variation ? "variation" : "reroll");
        custom_.append("::").push_back(static_cast<char>('0' + index));
        custom_.append("::");
        bool found = false;
        for (const std::string& b : parent->buttons())
            if (b.rfind(custom_, 0) == 0) {
                custom_ = b;
                found = true;
                break;
            }
        if (!found) {
            custom_.append(parent->hash);
            if (kind == job_kind::reroll) custom_.append("::SOLO");
        }
        // Copy what the new job needs before claim() may evict the parent.
        const snowflake parent_message = parent->message_id;
        const std::uint64_t flags = parent->message_flags;
        prompt_ = parent->echoed.empty() ? parent->prompt : parent->echoed;
        job* j = claim();
        if (!j) return errc::jobs_full;
        const snowflake nonce = nonces_.next(unix_ms);
        discord::rest::component_interaction ci;
        ci.application_id = app_;
        ci.guild_id = guild_;
        ci.channel_id = channel_;
        ci.session_id = session_;
        ci.nonce = nonce;
        ci.message_id = parent_message;
        if (flags) ci.message_flags = flags;
        ci.custom_id = custom_;
        std::uint64_t request = 0;
        if (std::error_code ec = rest_.post_interaction(ci, now, request)) return ec;
        begin(*j, kind, nonce, request, prompt_, index, now);
        j->parent_message = parent_message;
        id = j->id;
        pump(now);
        return {};
    }

    // ---- REST: requests go out, responses are ours
    void pump(instant) {
        while (const discord::rest::entry* e = rest_.poll()) {
            const discord::rest::action& a = e->action;
            if (a.kind == discord::rest::action_kind::request) {
                action out;
                out.kind = action_kind::http_request;
                out.request = a.id;
                out.http = a;
                queue_.push(out, e->bytes);
                continue;
            }
            if (a.id == commands_request_) {
                on_commands(a, e->bytes);
                continue;
            }
            for (job& j : jobs_) {
                if (!j.running() || j.request != a.id) continue;
                if (a.kind == discord::rest::action_kind::response && a.error) {
                    fail(j, errc::submit_failed, a.status, e->bytes);
                } else if (j.state == job_state::submitting) {
                    // Accepted (204), or the transport failed after sending: the
                    // bot may still answer; the deadline ends the job otherwise.
                    j.state = job_state::waiting;
                }
                break;
            }
        }
        recompute();
    }

    void on_commands(const discord::rest::action& a, std::string_view body) {
        commands_request_ = 0;
        std::vector<discord::rest::application_command> cmds; // once, at start
        if (a.kind == discord::rest::action_kind::response && !a.error && !json::read(cmds, body)) {
            for (const auto& c : cmds) {
                if (discord::text(c.name, scratch_) != "imagine" || (c.application_id != app_ && c.application_id != snowflake())) continue;
                imagine_id_ = c.id;
                imagine_version_ = c.version;
                have_commands_ = true;
                if (is_ready()) emit(action_kind::ready, nullptr);
                return;
            }
        }
        action out;
        out.kind = action_kind::failed;
        out.error = errc::commands_unavailable;
        out.status = a.status;
        queue_.push(out, body);
    }

    // ---- gateway messages
    bool from_bot_in_channel() const noexcept {
        return msg_.author && msg_.author->id == bot_ && msg_.channel_id == channel_;
    }
    std::string_view content() { return msg_.content ? discord::text(*msg_.content, scratch_) : std::string_view(); }
    static bool non_empty(const std::optional<json::raw>& array) noexcept {
        return array && array->text.size() > 2 && array->text.front() == '['; // "[]" has no elements
    }
    bool is_result(std::string_view text) const noexcept {
        return non_empty(msg_.attachments) && !waiting_to_start(text) && !progress_percent(text);
    }

    // Embeds decide first: true when they ended or re-labelled the job.
    bool embeds(job& j) {
        if (!non_empty(msg_.embeds) || json::read(embeds_, msg_.embeds->text)) return false;
        for (const discord::embed& e : embeds_) {
            const std::string_view title = e.title ? discord::text(*e.title, scratch2_) : std::string_view();
            const embed_verdict v = classify_embed(title, e.color);
            if (v == embed_verdict::queued) {
                emit(action_kind::queued, &j);
                return true;
            }
            if (v == embed_verdict::failed) {
                reason_.assign(title);
                if (e.description) reason_.append(": ").append(discord::text(*e.description, scratch2_));
                fail(j, embed_error(title), 0, reason_);
                return true;
            }
        }
        return false;
    }

    void on_create(instant) {
        if (!from_bot_in_channel()) return;
        job* j = nullptr;
        if (msg_.nonce)
            if (const auto n = discord::nonce_value(*msg_.nonce)) j = by_nonce(n->value());
        const std::string_view text = content();
        if (j) {
            if (embeds(*j)) return;
            if (is_result(text)) finish(*j, text);
            else start(*j, text);
            return;
        }
        if (!is_result(text)) return;
        const auto prompt = echoed_prompt(text);
        if (!prompt) return;
        if (job* m = match(*prompt, result_of(text))) finish(*m, text);
    }

    void on_update(instant) {
        job* j = by_message(msg_.id);
        if (!j && msg_.nonce)
            if (const auto n = discord::nonce_value(*msg_.nonce)) j = by_nonce(n->value());
        if (!j || msg_.channel_id != channel_ || (msg_.author && msg_.author->id != bot_)) return;
        if (embeds(*j)) return;
        if (!msg_.content) return; // an update of other fields (embeds resolved, flags)
        const std::string_view text = content();
        if (j->message_id == snowflake()) start(*j, text);
        if (const auto p = progress_percent(text); p && *p != j->percent) {
            j->percent = static_cast<std::uint8_t>(*p);
            emit(action_kind::progress, j);
        }
    }

    void on_delete() {
        if (del_.channel_id != channel_) return;
        if (job* j = by_message(del_.id); j && j->state == job_state::started) j->state = job_state::deleted;
    }

    void start(job& j, std::string_view text) {
        const bool first = j.state == job_state::submitting || j.state == job_state::waiting;
        j.message_id = msg_.id;
        if (const auto p = echoed_prompt(text)) j.echoed.assign(*p);
        else if (j.echoed.empty()) j.echoed = j.prompt;
        j.state = job_state::started;
        if (first) {
            action a = make(action_kind::started, j);
            queue_.push(a, j.echoed);
        }
        if (const auto p = progress_percent(text); p && *p != j.percent) {
            j.percent = static_cast<std::uint8_t>(*p);
            emit(action_kind::progress, &j);
        }
    }

    // The oldest running job whose echoed prompt (or, before it started, sent
    // prompt) matches, of a kind that makes this result.
    job* match(std::string_view prompt, result_kind rk) noexcept {
        const auto fits = [rk](job_kind k) {
            switch (rk) {
            case result_kind::grid: return k == job_kind::imagine || k == job_kind::reroll;
            case result_kind::upscale: return k == job_kind::upscale;
            case result_kind::variation: return k == job_kind::variation;
            }
            return false;
        };
        job* best = nullptr;
        for (job& j : jobs_) {
            if (!j.running() || !fits(j.kind)) continue;
            const bool same = !j.echoed.empty() ? j.echoed == prompt : prompt.substr(0, j.prompt.size()) == j.prompt;
            if (same && (!best || j.order < best->order)) best = &j;
        }
        return best;
    }

    void finish(job& j, std::string_view text) {
        j.message_id = msg_.id;
        j.message_flags = msg_.flags.value_or(0);
        if (j.echoed.empty())
            if (const auto p = echoed_prompt(text)) j.echoed.assign(*p);
        j.image_url.clear();
        j.hash.clear();
        j.button_count = 0;
        if (non_empty(msg_.attachments) && !json::read(attachments_, msg_.attachments->text) && !attachments_.empty()) {
            const discord::attachment& att = attachments_.front();
            j.image_url.assign(discord::text(att.url, scratch2_));
            if (const auto h = hash_of_filename(discord::text(att.filename, scratch2_))) j.hash.assign(*h);
        }
        if (non_empty(msg_.components) && !json::read(rows_, msg_.components->text))
            for (const discord::action_row& row : rows_) {
                if (!row.components) continue;
                for (const discord::component& c : *row.components) {
                    if (!c.custom_id || j.button_count == 16) continue;
                    const std::string_view id = discord::text(*c.custom_id, scratch2_);
                    if (j.button_count == j.button_store.size()) j.button_store.emplace_back();
                    j.button_store[j.button_count++].assign(id);
                    if (const auto h = hash_of_custom_id(id)) j.hash.assign(*h);
                }
            }
        j.state = job_state::finished;
        j.percent = 100;
        j.deadline = instant::never();
        action a = make(action_kind::finished, j);
        queue_.push(a, j.image_url);
        recompute();
    }

    void fail(job& j, std::error_code why, std::uint16_t status, std::string_view reason) {
        j.state = job_state::failed;
        j.error = why;
        j.reason.assign(reason);
        j.deadline = instant::never();
        action a = make(action_kind::failed, j);
        a.error = why;
        a.status = status;
        queue_.push(a, j.reason);
        recompute();
    }

    action make(action_kind k, const job& j) const noexcept {
        action a;
        a.kind = k;
        a.type = j.kind;
        a.job = j.id;
        a.percent = j.percent;
        return a;
    }
    void emit(action_kind k, const job* j) {
        if (j) queue_.push(make(k, *j));
        else {
            action a;
            a.kind = k;
            queue_.push(a);
        }
    }

    void recompute() noexcept {
        instant m = instant::never();
        for (const job& j : jobs_)
            if (j.running() && j.deadline < m) m = j.deadline;
        next_ = m;
    }

    discord::rest::client rest_;
    std::vector<job> jobs_;
    snowflake_generator nonces_;
    action_queue<action> queue_;
    // What the tracker reads of MESSAGE_CREATE/UPDATE: arrays stay raw and are
    // decoded only when needed, into vectors kept for that purpose (so their
    // capacity is reused: no allocation once warmed up).
    struct message_view {
        snowflake id;
        snowflake channel_id;
        std::optional<discord::user> author;
        std::optional<json::raw> content;
        std::optional<json::raw> nonce;
        std::optional<std::uint64_t> flags;
        std::optional<json::raw> attachments;
        std::optional<json::raw> embeds;
        std::optional<json::raw> components;
    };
    message_view msg_;
    std::vector<discord::attachment> attachments_;
    std::vector<discord::embed> embeds_;
    std::vector<discord::action_row> rows_;
    discord::message_delete del_;
    std::string session_;
    std::string scratch_, scratch2_, reason_, custom_, prompt_;
    monotonic_clamp clock_;
    instant next_ = instant::never();
    snowflake app_, bot_;
    std::optional<snowflake> guild_;
    snowflake channel_;
    snowflake imagine_id_, imagine_version_;
    duration timeout_;
    std::uint64_t commands_request_ = 0;
    std::uint64_t order_ = 0;
    bool have_commands_ = false;
};

} // namespace sluice::midjourney
