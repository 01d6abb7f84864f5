#pragma once
// sluice/navigator/tracker.hpp: the job tracker. Navigator broadcasts every
// job's events to every client, so a client keeps the ids of its own jobs and
// ignores the rest; each of its jobs ends exactly once.
//
//     submitting --queue answer--> queued --task-started--> started
//         |  \                        |                         |
//         |   `------ task-* events may come before the queue answer ------.
//         v                           v                         v
//     finished | failed | interrupted | timed_out      (terminal: exactly one)
//
// A job is known by a handle (a number the tracker hands out, never reused)
// and, once known, by Navigator's job_id. A terminal job stays in its slot
// (so its images can still be fetched) until forget() or until a new job
// needs the slot (the oldest terminal job goes first).
//
// Storage is allocated by the first add() (room for max_jobs slots, which
// never move afterwards; each slot's job id buffer, 63 characters, when the
// slot is first used; the deadline table grows with the jobs in flight), and
// given back by shrink() when no job is tracked. A new job takes a fresh slot
// while fewer than max_jobs exist, so ended jobs are recycled only then.
//
// Includes: <cstddef>, <cstdint>, <optional>, <string>, <string_view>, <system_error>,
// <vector>; core/nonce_table.hpp for the deadlines; core/time.hpp; errc.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/nonce_table.hpp>
#include <sluice/core/time.hpp>
#include <sluice/navigator/errc.hpp>

namespace sluice::navigator {

/// Where a job is.
enum class job_state : std::uint8_t {
    submitting,  ///< the queue request is out; no answer yet
    queued,      ///< the queue answer arrived
    started,     ///< task-started (or any later task event) arrived
    finished,    ///< task-finished: terminal
    failed,      ///< task-failed, a rejected queue request, a lost connection: terminal
    interrupted, ///< task-interrupted: terminal
    timed_out,   ///< no end within the job deadline: terminal
};
constexpr bool is_terminal(job_state s) noexcept { return s >= job_state::finished; }

/// What the tracker knows of one job; views valid until the next change to the tracker.
struct job_info {
    std::uint64_t handle = 0;
    std::string_view job_id{};  ///< "" until known
    job_state state = job_state::submitting;
};

class job_tracker {
public:
    /// Room for `max_jobs` jobs (at least 1), allocated here.
    explicit job_tracker(std::size_t max_jobs)
        : deadlines_(max_jobs == 0 ? 1 : max_jobs, table_storage::on_demand) {}

    /// Tracks a new job (with its job_id when the client chose it, else "")
    /// that must end by `deadline` (never() for no deadline). Reuses the
    /// oldest terminal job's slot when all are taken.
    /// Errors: errc::too_many_jobs when every slot holds an unfinished job.
    std::error_code add(std::string_view job_id, instant deadline, std::uint64_t& handle) {
        slot* free = nullptr;
        for (auto& s : slots_) {
            if (s.handle == 0) {
                free = &s;
                break;
            }
            if (is_terminal(s.state) && (free == nullptr || s.handle < free->handle)) free = &s;
        }
        if (free == nullptr || (free->handle != 0 && slots_.size() < capacity())) { // a fresh slot before recycling an ended job
            if (slots_.size() == capacity()) return errc::too_many_jobs;
            if (slots_.capacity() == 0) slots_.reserve(capacity()); // once: slots never move afterwards
            free = &slots_.emplace_back();
            free->job_id.reserve(63);
        }
        free->handle = ++last_handle_;
        free->job_id.assign(job_id);
        free->state = job_state::submitting;
        (void)deadlines_.insert(free->handle, deadline, free->handle);
        handle = free->handle;
        return {};
    }

    /// The queue answer named the job: records its job_id (replacing one the
    /// client chose, should the server have picked another) and moves a
    /// submitting job to queued. Errors: errc::unknown_job.
    std::error_code queued(std::uint64_t handle, std::string_view job_id) {
        slot* s = find_slot(handle);
        if (s == nullptr) return errc::unknown_job;
        s->job_id.assign(job_id);
        if (s->state == job_state::submitting) s->state = job_state::queued;
        return {};
    }

    /// The handle of the job with this job_id, or 0 when it is not one of ours.
    std::uint64_t find(std::string_view job_id) const noexcept {
        if (job_id.empty()) return 0;
        for (const auto& s : slots_)
            if (s.handle != 0 && s.job_id == job_id) return s.handle;
        return 0;
    }
    /// The job, or nullopt when the handle is unknown (never issued or forgotten).
    std::optional<job_info> get(std::uint64_t handle) const noexcept {
        for (const auto& s : slots_)
            if (s.handle == handle && handle != 0) return job_info{s.handle, s.job_id, s.state};
        return std::nullopt;
    }

    /// True while an unfinished job has no job_id yet: events for unknown
    /// ids may be its own, arriving before the queue answer.
    bool awaiting_ids() const noexcept {
        for (const auto& s : slots_)
            if (s.handle != 0 && s.job_id.empty() && !is_terminal(s.state)) return true;
        return false;
    }

    /// Moves the job to `next` (started, or a terminal state). Returns false
    /// and changes nothing when the job is unknown or already terminal: a
    /// job ends exactly once, and events after its end are ignored.
    bool advance(std::uint64_t handle, job_state next) noexcept {
        slot* s = find_slot(handle);
        if (s == nullptr || is_terminal(s->state)) return false;
        if (next == job_state::started && s->state == job_state::started) return true;
        s->state = next;
        if (is_terminal(next)) (void)deadlines_.cancel(handle);
        return true;
    }

    /// Ends every job whose deadline is <= now as timed_out, calling
    /// on_timeout(handle) for each, once.
    template <class F>
    void expire(instant now, F&& on_timeout) {
        deadlines_.expire(now, [&](std::uint64_t h, std::uint64_t) {
            if (slot* s = find_slot(h); s != nullptr && !is_terminal(s->state)) {
                s->state = job_state::timed_out;
                on_timeout(h);
            }
        });
    }

    /// Ends every unfinished job as failed (the connection is gone for good),
    /// calling on_fail(handle) for each, once.
    template <class F>
    void fail_all(F&& on_fail) {
        for (auto& s : slots_)
            if (s.handle != 0 && !is_terminal(s.state)) {
                s.state = job_state::failed;
                (void)deadlines_.cancel(s.handle);
                on_fail(s.handle);
            }
    }

    /// Forgets a job (an unfinished one simply stops being tracked: its
    /// events are then someone else's). Errors: errc::unknown_job.
    std::error_code forget(std::uint64_t handle) noexcept {
        slot* s = find_slot(handle);
        if (s == nullptr) return errc::unknown_job;
        (void)deadlines_.cancel(handle);
        s->handle = 0;
        s->job_id.clear();
        return {};
    }

    /// The earliest job deadline; O(1).
    instant next_deadline() const noexcept { return deadlines_.next_deadline(); }
    std::size_t capacity() const noexcept { return deadlines_.capacity(); }

    /// When no job is tracked (every one forgotten), frees the slots and the
    /// deadline table; the next add() allocates them again.
    void shrink() noexcept {
        for (const auto& s : slots_)
            if (s.handle != 0) return;
        std::vector<slot>().swap(slots_);
        deadlines_.shrink();
    }
    /// Heap bytes held: the slots with their job id buffers and the deadline table.
    std::size_t heap_bytes() const noexcept {
        std::size_t n = slots_.capacity() * sizeof(slot) + deadlines_.heap_bytes();
        for (const auto& s : slots_) n += s.job_id.capacity() > 15 ? s.job_id.capacity() + 1 : 0;
        return n;
    }
    /// Jobs not yet ended.
    std::size_t active() const noexcept {
        std::size_t n = 0;
        for (const auto& s : slots_) n += s.handle != 0 && !is_terminal(s.state);
        return n;
    }

private:
    struct slot {
        std::uint64_t handle = 0; // 0: free
        std::string job_id{};
        job_state state = job_state::submitting;
    };
    slot* find_slot(std::uint64_t handle) noexcept {
        if (handle == 0) return nullptr;
        for (auto& s : slots_)
            if (s.handle == handle) return &s;
        return nullptr;
    }

    std::vector<slot> slots_{};
    nonce_table<std::uint64_t> deadlines_;
    std::uint64_t last_handle_ = 0;
};

} // namespace sluice::navigator
