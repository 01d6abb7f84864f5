#pragma once
// sluice/core/nonce_table.hpp: pending requests keyed by nonce, with deadlines.
//
// A gateway client sends a request carrying a nonce (a Midjourney interaction,
// a singyeong QUERY, a Socket.IO ack id) and waits for the reply that carries
// the same nonce. `nonce_table` remembers what was asked, and when to give up:
//
//     table.insert(nonce, now + 30s, job)    // request sent
//     table.resolve(nonce)                   // reply arrived: the job, once
//     table.expire(now, on_timeout)          // deadline passed: on_timeout(nonce, job), once
//     table.drain_all(on_lost)               // connection lost: every job, once
//     table.drain_if(pred, on_lost)          // part of it lost (one namespace): those jobs, once
//
// Keys are 64-bit numbers. Protocols whose nonces are strings use nonces the
// client generates itself (a snowflake, a counter), so the client keeps the
// number and formats the string when it sends; a reply's string is parsed back
// (`from_chars` for snowflakes) and an unparsable one matches nothing.
//
// Capacity is fixed at construction. By default all storage is allocated
// there, once, and nothing allocates afterwards. With table_storage::on_demand
// nothing is allocated until the first insert, the storage doubles when it is
// full (from 4 entries up to the capacity), and shrink() gives it back once
// the table is empty, so an idle client holds no table at all; once the
// storage has grown to the peak number of pending entries nothing allocates
// again. Either way a full table refuses with a clear error rather than
// growing past its capacity, so a peer that never replies cannot exhaust
// memory.
//
// Complexity: insert, resolve, cancel, reschedule O(log n) (an on-demand
// table's growth O(n), amortized O(1)); find O(1) expected; next_deadline
// O(1); expire O(k log n) for k timed-out entries; drain_if O(n log n).
//
// Includes: <algorithm> for std::min; <cstddef>, <cstdint>; <memory> for
// unique_ptr (the storage);
// <new> for placement new and std::launder; <optional> for resolve();
// <type_traits> and <utility> for the Value requirements and std::move;
// <system_error>, "errc.hpp" for errors; "time.hpp" for instant.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "errc.hpp"
#include "time.hpp"

namespace sluice {

/// When a nonce_table allocates its storage.
enum class table_storage : std::uint8_t {
    upfront,   ///< all of it at construction; nothing allocates afterwards (the default)
    on_demand, ///< on the first insert, doubling when full up to the capacity; shrink() frees it when empty
};

/// A bounded table of pending requests: key -> (deadline, Value).
///
/// `Value` must be nothrow move constructible and nothrow destructible (the
/// table moves values in and out in noexcept functions). Every value that
/// goes in comes out exactly once: through resolve(), cancel() (destroyed),
/// expire(), drain_all() or drain_if() (handed to the callback), clear() or the
/// destructor (destroyed).
///
/// Time: deadlines and `now` are instants on the caller's monotonic clock.
/// An entry whose deadline is `instant::never()` never times out. `expire`
/// clamps `now` so time never goes backwards; calling it early or twice fires
/// nothing new.
///
/// Callbacks (expire, drain_all, drain_if) may call any member of the table, including
/// insert (to retry a request) and nested expire/drain_all; entries inserted
/// by a callback are never fired by the call that runs the callback. A
/// callback must not destroy, move or move-assign the table. If a callback
/// throws (when exceptions are enabled), the entries that call had not handed
/// out yet are destroyed without a callback and the exception propagates.
template <class Value>
class nonce_table {
    static_assert(std::is_nothrow_move_constructible_v<Value>, "nonce_table: Value must be nothrow move constructible");
    static_assert(std::is_nothrow_destructible_v<Value>, "nonce_table: Value must be nothrow destructible");

public:
    using key_type = std::uint64_t;
    using value_type = Value;
    /// Largest capacity; larger requests are clamped to it.
    static constexpr std::size_t max_capacity = std::size_t{1} << 30;

    /// An empty table for at most `capacity` pending entries (clamped to
    /// max_capacity). With table_storage::upfront (the default) allocates all
    /// storage here, once: storage_bytes(capacity) bytes in three blocks. With
    /// table_storage::on_demand allocates nothing here; see emplace() and
    /// shrink(). A capacity of 0 is allowed (every insert fails with
    /// table_full) and allocates nothing. With exceptions enabled,
    /// std::bad_alloc propagates; without, allocation failure aborts.
    explicit nonce_table(std::size_t capacity, table_storage storage = table_storage::upfront)
        : on_demand_(storage == table_storage::on_demand) {
        if (capacity > max_capacity) capacity = max_capacity;
        capacity_ = static_cast<std::uint32_t>(capacity);
        if (capacity != 0 && !on_demand_) grow(capacity_);
    }

    nonce_table(const nonce_table&) = delete;
    nonce_table& operator=(const nonce_table&) = delete;
    /// Takes `other`'s storage and entries; `other` is left with capacity 0.
    nonce_table(nonce_table&& other) noexcept { steal(other); }
    nonce_table& operator=(nonce_table&& other) noexcept {
        if (this != &other) {
            clear();
            steal(other);
        }
        return *this;
    }
    ~nonce_table() { clear(); }

    /// Adds a pending entry: `key` times out at `deadline` (never() = no
    /// timeout) unless resolved or cancelled first. Constructs the value from
    /// `args` only on success. An on-demand table whose storage is full but
    /// below capacity() first doubles it (allocates; an allocation failure
    /// here terminates, as this function is noexcept).
    /// Errors (the table is unchanged, `args` are untouched):
    ///  - core_errc::duplicate_key: `key` is already pending. The caller picks
    ///    another nonce (a generator's next()) or resolves the old one first.
    ///  - core_errc::table_full: `capacity()` entries are pending (entries being
    ///    handed to an expire/drain_all callback still hold their slot until
    ///    their callback has run). The caller refuses the request to its user
    ///    (limit_exceeded) or waits for replies or timeouts.
    template <class... Args>
        requires std::is_constructible_v<Value, Args&&...>
    [[nodiscard]] std::error_code emplace(key_type key, instant deadline, Args&&... args) noexcept(std::is_nothrow_constructible_v<Value, Args&&...>) {
        std::size_t pos = 0;
        if (lookup(key, pos)) return core_errc::duplicate_key;
        if (free_ == npos) {
            if (allocated_ == capacity_) return core_errc::table_full;
            grow(allocated_ < 2 ? std::min<std::uint32_t>(capacity_, 4) : std::min<std::uint32_t>(capacity_, 2 * allocated_));
            lookup(key, pos); // the index was rebuilt: find the empty cell again
        }
        const std::uint32_t s = free_;
        slot& e = slots_[s];
        ::new (static_cast<void*>(e.storage)) Value(std::forward<Args>(args)...); // may throw before anything changed
        free_ = e.link;
        e.key = key;
        e.deadline = deadline;
        index_[pos] = s; // lookup() left pos at the empty cell where key belongs
        heap_[size_] = s;
        e.link = size_;
        ++size_;
        sift_up(size_ - 1);
        return {};
    }
    /// Same as emplace(key, deadline, std::move(value)).
    [[nodiscard]] std::error_code insert(key_type key, instant deadline, Value&& value) noexcept {
        return emplace(key, deadline, std::move(value));
    }
    /// Same as emplace(key, deadline, value): copies `value` on success only.
    [[nodiscard]] std::error_code insert(key_type key, instant deadline, const Value& value) noexcept(std::is_nothrow_copy_constructible_v<Value>)
        requires std::is_copy_constructible_v<Value>
    {
        return emplace(key, deadline, value);
    }

    /// The reply for `key` arrived: removes the entry and hands its value out.
    /// Returns std::nullopt when `key` is not pending (never inserted, already
    /// resolved, cancelled, timed out or drained): a late or foreign reply,
    /// which the caller ignores (it was already reported once).
    [[nodiscard]] std::optional<Value> resolve(key_type key) noexcept {
        std::size_t pos = 0;
        if (!lookup(key, pos)) return std::nullopt;
        const std::uint32_t s = index_[pos];
        unindex(pos);
        unheap(slots_[s].link);
        std::optional<Value> out(std::move(*slots_[s].value()));
        release(s);
        return out;
    }

    /// Forgets `key` without a reply; the value is destroyed.
    /// Errors: core_errc::unknown_key when `key` is not pending (nothing changes).
    std::error_code cancel(key_type key) noexcept {
        std::size_t pos = 0;
        if (!lookup(key, pos)) return core_errc::unknown_key;
        const std::uint32_t s = index_[pos];
        unindex(pos);
        unheap(slots_[s].link);
        release(s);
        return {};
    }

    /// Moves the deadline of pending `key` (a progress message extends a job's
    /// life). Errors: core_errc::unknown_key when `key` is not pending.
    std::error_code reschedule(key_type key, instant deadline) noexcept {
        std::size_t pos = 0;
        if (!lookup(key, pos)) return core_errc::unknown_key;
        slot& e = slots_[index_[pos]];
        const instant old = e.deadline;
        e.deadline = deadline;
        if (deadline < old) sift_up(e.link);
        else sift_down(e.link);
        return {};
    }

    /// The value of pending `key` without removing it, or nullptr. The pointer
    /// is valid until the next call that removes or inserts entries.
    Value* find(key_type key) noexcept {
        std::size_t pos = 0;
        return lookup(key, pos) ? slots_[index_[pos]].value() : nullptr;
    }
    const Value* find(key_type key) const noexcept {
        std::size_t pos = 0;
        return lookup(key, pos) ? slots_[index_[pos]].value() : nullptr;
    }
    bool contains(key_type key) const noexcept {
        std::size_t pos = 0;
        return lookup(key, pos);
    }
    /// The deadline of pending `key`, or instant::never() when it is not pending.
    instant deadline_of(key_type key) const noexcept {
        std::size_t pos = 0;
        return lookup(key, pos) ? slots_[index_[pos]].deadline : instant::never();
    }

    /// The earliest deadline of all pending entries, instant::never() when
    /// none; O(1). The caller arms its timer for it and calls expire() then.
    instant next_deadline() const noexcept { return size_ == 0 ? instant::never() : slots_[heap_[0]].deadline; }

    /// Times out every entry whose deadline is <= now (now clamped to the
    /// latest instant expire has seen; deadline never() never times out,
    /// even for now == never()): each is removed and handed to
    /// `on_timeout(key, Value&&)` exactly once, earliest deadline first.
    /// Returns how many fired. Early or repeated calls fire nothing.
    /// Afterwards the caller re-arms its timer for next_deadline().
    template <class F>
    std::size_t expire(instant now, F&& on_timeout) noexcept(noexcept(on_timeout(key_type{}, std::declval<Value&&>()))) {
        now = clamp_(now);
        // First detach every due entry (so callbacks cannot see or fire them
        // again and nothing they insert can be fired here), then fire.
        std::uint32_t head = npos, tail = npos;
        while (size_ != 0 && slots_[heap_[0]].deadline <= now && !slots_[heap_[0]].deadline.is_never()) detach_top(head, tail);
        return fire(head, on_timeout);
    }

    /// Connection lost: removes every pending entry and hands each to
    /// `on_lost(key, Value&&)` exactly once, earliest deadline first. Returns
    /// how many. Entries the callback inserts (a retry on the next
    /// connection) stay pending.
    template <class F>
    std::size_t drain_all(F&& on_lost) noexcept(noexcept(on_lost(key_type{}, std::declval<Value&&>()))) {
        std::uint32_t head = npos, tail = npos;
        while (size_ != 0) detach_top(head, tail);
        return fire(head, on_lost);
    }

    /// Part of the connection lost (one namespace of several): removes every
    /// pending entry for which `pred(key, const Value&)` is true and hands each
    /// to `on_lost(key, Value&&)` exactly once, earliest deadline first; the
    /// others stay pending, untouched (same deadlines, same values). Returns
    /// how many were handed out. `pred` must not throw and must not touch the
    /// table; `on_lost` may, as for drain_all.
    template <class P, class F>
    std::size_t drain_if(P&& pred, F&& on_lost) noexcept(noexcept(on_lost(key_type{}, std::declval<Value&&>()))) {
        static_assert(std::is_nothrow_invocable_r_v<bool, P&, key_type, const Value&>,
                      "nonce_table::drain_if: pred(key, const Value&) must be noexcept and return bool");
        std::uint32_t head = npos, tail = npos;
        while (size_ != 0) detach_top(head, tail); // every entry, in deadline order
        std::uint32_t fire_head = npos, fire_tail = npos;
        while (head != npos) {
            const std::uint32_t s = head;
            head = slots_[s].link;
            if (pred(slots_[s].key, std::as_const(*slots_[s].value()))) {
                slots_[s].link = npos;
                if (fire_tail == npos) fire_head = s;
                else slots_[fire_tail].link = s;
                fire_tail = s;
            } else {
                restore(s);
            }
        }
        return fire(fire_head, on_lost);
    }

    /// An on-demand table that is empty (nothing pending, nothing being handed
    /// to a callback) frees its storage; the next insert allocates again.
    /// Does nothing otherwise, and nothing for an upfront table.
    void shrink() noexcept {
        if (!on_demand_ || size_ != 0 || allocated_ == 0) return;
        std::uint32_t free_slots = 0; // a slot off the free list is being handed to a callback
        for (std::uint32_t s = free_; s != npos; s = slots_[s].link) ++free_slots;
        if (free_slots != allocated_) return;
        slots_.reset();
        heap_.reset();
        index_.reset();
        mask_ = 0;
        allocated_ = 0;
        free_ = npos;
    }

    /// Heap bytes the table holds now: storage_bytes(capacity()) for an
    /// upfront table, 0 to that for an on-demand one.
    std::size_t heap_bytes() const noexcept { return storage_bytes(allocated_); }

    /// Destroys every pending value without callbacks.
    void clear() noexcept {
        while (size_ != 0) {
            const std::uint32_t s = heap_[0];
            std::size_t pos = 0;
            lookup(slots_[s].key, pos);
            unindex(pos);
            unheap(0);
            release(s);
        }
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t capacity() const noexcept { return capacity_; }
    /// Entries the storage holds now (capacity() for an upfront table).
    std::size_t allocated() const noexcept { return allocated_; }

    /// Heap memory a table of `capacity` allocates at construction (an
    /// on-demand table: once its storage holds `capacity` entries), beyond
    /// sizeof(nonce_table). Per entry: a slot of 20 bytes plus sizeof(Value),
    /// rounded up to 8 (or Value's alignment); 4 bytes of deadline heap; 8 to
    /// 16 bytes of hash index (a power of two >= 2 * capacity cells of 4 bytes).
    static constexpr std::size_t storage_bytes(std::size_t capacity) noexcept {
        if (capacity > max_capacity) capacity = max_capacity;
        if (capacity == 0) return 0;
        return capacity * (sizeof(slot) + sizeof(std::uint32_t)) + index_cells(capacity) * sizeof(std::uint32_t);
    }

private:
    static constexpr std::uint32_t npos = 0xFFFFFFFFu;

    struct slot {
        key_type key;
        instant deadline;
        // pending: position in heap_; free: next free slot; detached: next in the firing list
        std::uint32_t link;
        alignas(Value) unsigned char storage[sizeof(Value)];
        Value* value() noexcept { return std::launder(reinterpret_cast<Value*>(storage)); }
        const Value* value() const noexcept { return std::launder(reinterpret_cast<const Value*>(storage)); }
    };

    // Hash index cells: a power of two >= 2 * capacity (load factor <= 1/2).
    static constexpr std::size_t index_cells(std::size_t capacity) noexcept {
        std::size_t n = 2;
        while (n < 2 * capacity) n *= 2;
        return n;
    }

    static std::size_t hash(key_type k) noexcept { // splitmix64 finalizer: sequential nonces spread evenly
        k = (k ^ (k >> 30)) * 0xBF58476D1CE4E5B9ull;
        k = (k ^ (k >> 27)) * 0x94D049BB133111EBull;
        return static_cast<std::size_t>(k ^ (k >> 31));
    }

    // Storage for `n` > allocated_ entries: every value moves to the same
    // slot number in the new blocks (all allocated slots hold one, pending or
    // detached for a callback; their links stay valid), the new slots join the
    // free list and the index is rebuilt for the pending ones.
    void grow(std::uint32_t n) {
        const std::size_t cells = index_cells(n);
        auto slots = std::make_unique_for_overwrite<slot[]>(n);
        auto heap = std::make_unique_for_overwrite<std::uint32_t[]>(n);
        auto index = std::make_unique_for_overwrite<std::uint32_t[]>(cells);
        for (std::uint32_t i = 0; i < allocated_; ++i) {
            slot& from = slots_[i];
            slot& to = slots[i];
            to.key = from.key;
            to.deadline = from.deadline;
            to.link = from.link;
            ::new (static_cast<void*>(to.storage)) Value(std::move(*from.value()));
            from.value()->~Value();
        }
        for (std::uint32_t i = 0; i < size_; ++i) heap[i] = heap_[i];
        for (std::uint32_t i = allocated_; i < n; ++i) slots[i].link = i + 1 < n ? i + 1 : npos;
        for (std::size_t i = 0; i < cells; ++i) index[i] = npos;
        free_ = allocated_ < n ? allocated_ : npos;
        slots_ = std::move(slots);
        heap_ = std::move(heap);
        index_ = std::move(index);
        mask_ = static_cast<std::uint32_t>(cells - 1);
        allocated_ = n;
        for (std::uint32_t i = 0; i < size_; ++i) {
            std::size_t pos = 0;
            lookup(slots_[heap_[i]].key, pos);
            index_[pos] = heap_[i];
        }
    }

    // A detached entry pending again: indexed, on the heap (drain_if).
    void restore(std::uint32_t s) noexcept {
        std::size_t pos = 0;
        lookup(slots_[s].key, pos);
        index_[pos] = s;
        heap_[size_] = s;
        slots_[s].link = size_;
        ++size_;
        sift_up(size_ - 1);
    }

    // True and pos = its index cell when `key` is pending; false and pos = the
    // empty cell where it would go (undefined when no storage is allocated).
    bool lookup(key_type key, std::size_t& pos) const noexcept {
        if (allocated_ == 0) return false;
        pos = hash(key) & mask_;
        while (index_[pos] != npos) {
            if (slots_[index_[pos]].key == key) return true;
            pos = (pos + 1) & mask_;
        }
        return false;
    }

    // Linear-probing deletion by backward shift: no tombstones, so lookups
    // never slow down however many entries come and go.
    void unindex(std::size_t hole) noexcept {
        std::size_t j = hole;
        for (;;) {
            j = (j + 1) & mask_;
            if (index_[j] == npos) break;
            const std::size_t home = hash(slots_[index_[j]].key) & mask_;
            // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
            const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (stays) continue;
            index_[hole] = index_[j];
            hole = j;
        }
        index_[hole] = npos;
    }

    bool earlier(std::uint32_t a, std::uint32_t b) const noexcept { return slots_[heap_[a]].deadline < slots_[heap_[b]].deadline; }
    void place(std::uint32_t pos, std::uint32_t s) noexcept {
        heap_[pos] = s;
        slots_[s].link = pos;
    }
    void sift_up(std::uint32_t pos) noexcept {
        const std::uint32_t s = heap_[pos];
        const instant d = slots_[s].deadline;
        while (pos > 0) {
            const std::uint32_t parent = (pos - 1) / 2;
            if (!(d < slots_[heap_[parent]].deadline)) break;
            place(pos, heap_[parent]);
            pos = parent;
        }
        place(pos, s);
    }
    void sift_down(std::uint32_t pos) noexcept {
        const std::uint32_t s = heap_[pos];
        const instant d = slots_[s].deadline;
        for (;;) {
            std::uint32_t child = 2 * pos + 1;
            if (child >= size_) break;
            if (child + 1 < size_ && earlier(child + 1, child)) ++child;
            if (!(slots_[heap_[child]].deadline < d)) break;
            place(pos, heap_[child]);
            pos = child;
        }
        place(pos, s);
    }
    // Removes heap position `pos`; the slot's link is left for the caller to set.
    void unheap(std::uint32_t pos) noexcept {
        --size_;
        if (pos == size_) return;
        place(pos, heap_[size_]);
        if (pos > 0 && earlier(pos, (pos - 1) / 2)) sift_up(pos);
        else sift_down(pos);
    }
    // Destroys the slot's value and returns the slot to the free list.
    void release(std::uint32_t s) noexcept {
        slots_[s].value()->~Value();
        slots_[s].link = free_;
        free_ = s;
    }
    // Moves the earliest pending entry to the end of a firing list.
    void detach_top(std::uint32_t& head, std::uint32_t& tail) noexcept {
        const std::uint32_t s = heap_[0];
        std::size_t pos = 0;
        lookup(slots_[s].key, pos);
        unindex(pos);
        unheap(0);
        slots_[s].link = npos;
        if (tail == npos) head = s;
        else slots_[tail].link = s;
        tail = s;
    }
    // Hands every entry of a firing list to `f`, freeing each slot before its
    // callback runs (so the callback can reuse it). If a callback throws, the
    // guard destroys the entries not handed out yet, so no slot is lost.
    template <class F>
    std::size_t fire(std::uint32_t head, F& f) {
        struct guard {
            nonce_table& t;
            std::uint32_t& head;
            ~guard() {
                while (head != npos) {
                    const std::uint32_t next = t.slots_[head].link;
                    t.release(head);
                    head = next;
                }
            }
        } g{*this, head};
        std::size_t n = 0;
        while (head != npos) {
            slot& e = slots_[head];
            const std::uint32_t next = e.link;
            const key_type key = e.key;
            Value v(std::move(*e.value()));
            release(head);
            head = next;
            ++n;
            f(key, std::move(v));
        }
        return n;
    }

    void steal(nonce_table& o) noexcept {
        slots_ = std::move(o.slots_);
        heap_ = std::move(o.heap_);
        index_ = std::move(o.index_);
        mask_ = std::exchange(o.mask_, 0);
        capacity_ = std::exchange(o.capacity_, 0);
        allocated_ = std::exchange(o.allocated_, 0);
        size_ = std::exchange(o.size_, 0);
        free_ = std::exchange(o.free_, npos);
        clamp_ = o.clamp_;
        on_demand_ = o.on_demand_;
    }

    std::unique_ptr<slot[]> slots_;          // capacity_ entries
    std::unique_ptr<std::uint32_t[]> heap_;  // size_ slot numbers, a binary min-heap on deadline
    std::unique_ptr<std::uint32_t[]> index_; // mask_ + 1 cells: slot number or npos (open addressing)
    std::uint32_t mask_ = 0;      // index cells - 1
    std::uint32_t capacity_ = 0;  // the most entries ever pending at once
    std::uint32_t allocated_ = 0; // slots in the storage (capacity_ unless on demand)
    std::uint32_t size_ = 0;      // pending entries (on the heap)
    std::uint32_t free_ = npos;   // head of the free slot list
    bool on_demand_ = false;
    monotonic_clamp clamp_;
};

} // namespace sluice
