#pragma once
// sluice/core/action_queue.hpp: the queue of actions a machine hands out.
//
// Mutating calls on a machine only queue actions; the caller drains them with
// a poll loop until it is empty. Actions that carry bytes (a frame to send, a
// URL to open) keep them in the queue's memory, so a machine writes an
// outgoing frame straight into its final place and nothing is allocated once
// that memory has grown to the largest burst. Two arenas: a std::string for
// writers that append (JSON, HTTP), and a plain byte buffer for payloads of
// known size (copies, masked WebSocket frames), which is never zero-filled
// before it is written.
//
// Includes: <cstddef>, <cstdint>; <cstring> for memcpy; <string>,
// <string_view>; <utility> for exchange; <vector>. (Not <memory>: with
// libstdc++ it brings in <unistd.h>, whose ::close a user's own close() meets.)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

namespace detail {

/// A growable byte buffer whose new bytes are left unwritten (std::string
/// would zero them first). Copyable, like the machines that hold it.
class byte_arena {
public:
    byte_arena() = default;
    byte_arena(const byte_arena& o) { assign(o); }
    byte_arena(byte_arena&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0u)), capacity_(std::exchange(o.capacity_, 0u)) {}
    byte_arena& operator=(const byte_arena& o) {
        if (this != &o) assign(o);
        return *this;
    }
    byte_arena& operator=(byte_arena&& o) noexcept {
        if (this != &o) {
            delete[] data_;
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0u);
            capacity_ = std::exchange(o.capacity_, 0u);
        }
        return *this;
    }
    ~byte_arena() { delete[] data_; }

    /// Appends `n` unwritten bytes; returns where they start (valid until
    /// the next grow). Grows geometrically, copying what is held. At most
    /// 4 GiB in all (offsets are 32-bit, as in the queue's items).
    char* grow(std::size_t n) {
        if (n > capacity_ - size_) reallocate(n);
        char* at = data_ + size_;
        size_ += static_cast<std::uint32_t>(n);
        return at;
    }
    const char* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    void clear() noexcept { size_ = 0; }
    void release() noexcept {
        delete[] data_;
        data_ = nullptr;
        size_ = capacity_ = 0;
    }

private:
    [[gnu::noinline]] void reallocate(std::size_t n) {
        std::size_t cap = capacity_ < 32 ? 64 : std::size_t{capacity_} * 2;
        if (cap - size_ < n) cap = size_ + n;
        char* bigger = new char[cap];
        if (size_ != 0) std::memcpy(bigger, data_, size_);
        delete[] data_;
        data_ = bigger;
        capacity_ = static_cast<std::uint32_t>(cap);
    }
    void assign(const byte_arena& o) {
        size_ = 0;
        if (o.size_ > capacity_) {
            char* bigger = new char[o.size_];
            delete[] data_;
            data_ = bigger;
            capacity_ = o.size_;
        }
        if (o.size_ != 0) std::memcpy(data_, o.data_, o.size_);
        size_ = o.size_;
    }

    char* data_ = nullptr; // owned (new[]); not unique_ptr: see the includes
    std::uint32_t size_ = 0; // 32-bit: the arena stays 16 bytes in every idle machine
    std::uint32_t capacity_ = 0;
};

} // namespace detail

/// A FIFO of `Action`s, each optionally with a byte payload.
///
/// `Action` is any copyable struct; `poll()` hands each one out with its
/// payload as a string_view into an arena. Views stay valid until the next
/// mutating call on the owning machine: the arenas are only reset by the
/// first write after everything queued has been polled, and a view is made
/// at poll time, so an arena may move while actions wait.
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
        items_.emplace_back(a, 0, 0, false);
    }
    /// Queues an action with a copy of `bytes` as its payload.
    void push(const Action& a, std::string_view bytes) {
        if (!bytes.empty()) std::memcpy(push_uninitialized(a, bytes.size()), bytes.data(), bytes.size());
        else push(a);
    }
    /// Queues an action whose payload is `n` bytes the caller writes now, at
    /// the returned address (not zeroed; valid until the next call on the queue).
    char* push_uninitialized(const Action& a, std::size_t n) {
        reset_if_drained();
        const std::size_t at = bytes_.size();
        char* out = bytes_.grow(n);
        items_.emplace_back(a, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(n), true);
        return out;
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
        items_.emplace_back(a, static_cast<std::uint32_t>(start_), static_cast<std::uint32_t>(arena_.size() - start_), false);
        committed_ = arena_.size();
    }
    /// Drops everything appended since begin_payload().
    void rollback() noexcept { arena_.resize(committed_); }

    /// The next action, or nullptr when the queue is empty. The pointer and
    /// its bytes stay valid until the next mutating call (a later poll()
    /// leaves earlier entries as they were). The entry is handed out where it
    /// is queued: its view is made now (an arena may have moved since the
    /// push), the action is not copied.
    const entry* poll() noexcept {
        if (head_ == items_.size()) return nullptr;
        item& it = items_[head_++];
        const char* base = it.in_bytes ? bytes_.data() : arena_.data();
        it.e.bytes = std::string_view(base + it.offset, it.size);
        return &it.e;
    }

    bool empty() const noexcept { return head_ == items_.size(); }
    std::size_t size() const noexcept { return items_.size() - head_; }
    /// Drops every queued action (a machine reset).
    void clear() noexcept {
        items_.clear();
        arena_.clear();
        bytes_.clear();
        head_ = 0;
        committed_ = 0;
    }
    /// Heap bytes held (capacity of the item list and of the arenas).
    std::size_t heap_bytes() const noexcept {
        return items_.capacity() * sizeof(item) + (arena_.capacity() > 15 ? arena_.capacity() + 1 : 0) + bytes_.capacity();
    }
    /// Releases memory held beyond what is queued (for idle sessions).
    void shrink() {
        reset_if_drained();
        if (items_.empty()) {
            std::vector<item>().swap(items_);
            std::string().swap(arena_);
            bytes_.release();
        }
    }

private:
    struct item {
        // Built in place in the list: the action copied once.
        item(const Action& a, std::uint32_t at, std::uint32_t n, bool in) : e{a, {}}, offset(at), size(n), in_bytes(in) {}
        entry e; // e.bytes is set by poll()
        std::uint32_t offset;
        std::uint32_t size : 31;
        std::uint32_t in_bytes : 1; // the payload is in bytes_, else in arena_
    };
    void reset_if_drained() noexcept {
        if (head_ == items_.size() && arena_.size() == committed_) {
            items_.clear();
            arena_.clear();
            bytes_.clear();
            head_ = 0;
            committed_ = 0;
        }
    }
    std::vector<item> items_;
    std::string arena_;
    detail::byte_arena bytes_;
    std::size_t head_ = 0;
    std::size_t committed_ = 0;
    std::size_t start_ = 0;
};

} // namespace sluice
