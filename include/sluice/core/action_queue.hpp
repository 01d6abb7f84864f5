#pragma once
// sluice/core/action_queue.hpp: the queue of actions a machine hands out.
//
// Mutating calls on a machine only queue actions; the caller drains them with
// a poll loop until it is empty. Actions that carry bytes (a frame to send, a
// URL to open) keep them in one byte arena owned by the queue, so a machine
// writes an outgoing frame straight into its final place and nothing is
// allocated once the arena has grown to the largest burst.
//
// Includes: <cstddef>, <cstdint>, <string>, <string_view>, <vector>.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// A FIFO of `Action`s, each optionally with a byte payload.
///
/// `Action` is any copyable struct; `poll()` hands each one out with its
/// payload as a string_view into the arena. Views stay valid until the next
/// mutating call on the owning machine: the arena is only reset by the first
/// write after everything queued has been polled.
///
/// Draining late is fine (the queue simply grows); forgetting to drain never
/// corrupts state.
template <class Action>
class action_queue {
public:
    struct entry {
        Action action;
        std::string_view bytes; ///< the payload; valid until the next mutating call
    };

    /// Queues an action without a payload.
    void push(const Action& a) {
        reset_if_drained();
        items_.push_back({a, 0, 0});
    }
    /// Queues an action with a copy of `bytes` as its payload.
    void push(const Action& a, std::string_view bytes) {
        reset_if_drained();
        const std::size_t at = arena_.size();
        arena_.append(bytes);
        items_.push_back({a, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(bytes.size())});
        committed_ = arena_.size();
    }

    /// Starts writing a payload in place: returns the arena to append to.
    /// Finish with commit(action) or abandon with rollback().
    std::string& begin_payload() {
        reset_if_drained();
        start_ = arena_.size();
        return arena_;
    }
    /// Queues `a` with everything appended since begin_payload() as its payload.
    void commit(const Action& a) {
        items_.push_back({a, static_cast<std::uint32_t>(start_), static_cast<std::uint32_t>(arena_.size() - start_)});
        committed_ = arena_.size();
    }
    /// Drops everything appended since begin_payload().
    void rollback() noexcept { arena_.resize(committed_); }

    /// The next action, or nullptr when the queue is empty. The pointer and
    /// its bytes stay valid until the next mutating call.
    const entry* poll() noexcept {
        if (head_ == items_.size()) return nullptr;
        const item& it = items_[head_++];
        out_ = {it.action, std::string_view(arena_.data() + it.offset, it.size)};
        return &out_;
    }

    bool empty() const noexcept { return head_ == items_.size(); }
    std::size_t size() const noexcept { return items_.size() - head_; }
    /// Drops every queued action (a machine reset).
    void clear() noexcept {
        items_.clear();
        arena_.clear();
        head_ = 0;
        committed_ = 0;
    }
    /// Heap bytes held (capacity of the item list and of the arena).
    std::size_t heap_bytes() const noexcept {
        return items_.capacity() * sizeof(item) + (arena_.capacity() > 15 ? arena_.capacity() + 1 : 0);
    }
    /// Releases memory held beyond what is queued (for idle sessions).
    void shrink() {
        reset_if_drained();
        if (items_.empty()) {
            std::vector<item>().swap(items_);
            std::string().swap(arena_);
        }
    }

private:
    struct item {
        Action action;
        std::uint32_t offset;
        std::uint32_t size;
    };
    void reset_if_drained() noexcept {
        if (head_ == items_.size() && arena_.size() == committed_) {
            items_.clear();
            arena_.clear();
            head_ = 0;
            committed_ = 0;
        }
    }
    std::vector<item> items_;
    std::string arena_;
    std::size_t head_ = 0;
    std::size_t committed_ = 0;
    std::size_t start_ = 0;
    entry out_{};
};

} // namespace sluice
