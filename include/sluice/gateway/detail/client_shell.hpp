#pragma once
// sluice/gateway/detail/client_shell.hpp: what every protocol client built on
// the gateway engine has in common (i386chat, singyeong, Nightingale): the
// engine, the protocol's own action queue, the transport inputs forwarded to
// the engine, and "every mutating call runs here": the engine acts, then its
// actions are translated into the protocol's queue at once, so state changes
// happen at input time, never at poll time; and, for long-idle sessions,
// shrink() and heap_bytes(). Not for users: each client documents the members
// it inherits.
//
// A client derives from client_shell<client, policy, action> (befriending
// it) and provides
//     void translate(const gateway::entry&);  // one engine action -> its own
// and, when it needs them,
//     void before_run(instant now);           // before each mutating call
//     void after_run();                       // after the engine's actions are translated
//     std::size_t own_heap_bytes() const;     // heap it holds beyond the engine's and the queue's
//     void shrink_own();                      // gives back what it can (after the queues)
//
// Includes: <cstddef>, <cstdint>; <cstring> for memcpy; <string> (heap of a
// string), <string_view>, <system_error>, <utility>, <vector> (the queue's
// entries); core (action queue's entry type, entropy, time, transport);
// gateway/session.hpp (the engine).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/gateway/session.hpp>

namespace sluice::gateway::detail {

/// Copies what a protocol action shares with the engine's action (transport
/// op, message type, close code, generation, next step, code, error) and,
/// for the transport kinds (send, open, close), sets the protocol's kind of
/// the same name. Returns whether the kind was one of those.
template <class Action>
constexpr bool translate_common(const gateway::action& g, Action& a) noexcept {
    using kind = decltype(a.kind);
    a.op = g.op;
    a.type = g.type;
    a.close_code = g.close_code;
    a.generation = g.generation;
    a.next = g.next;
    a.code = g.code;
    a.error = g.error;
    switch (g.kind) {
    case gateway::action_kind::send: a.kind = kind::send; return true;
    case gateway::action_kind::open: a.kind = kind::open; return true;
    case gateway::action_kind::close: a.kind = kind::close; return true;
    default: return false;
    }
}

/// Heap bytes a std::string holds (0 while its text fits in the object).
inline std::size_t heap_of(const std::string& s) noexcept {
    return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
}

/// The queue of a client's own actions: each translated engine action with a
/// copy of its bytes, handed out by poll() in order. Smaller than
/// core's action_queue (48 bytes, nothing allocated until the first push,
/// nothing held after shrink()): it has no arena for writers (the engine
/// writes frames) and no copy of the polled entry, since an entry's view is
/// made when it is pushed and moved along with the bytes (growth, copy).
/// poll() points into the queue: the entry and its bytes stay valid until
/// the next push (the owner's next mutating call).
template <class Action>
class relay_queue {
public:
    using entry = typename action_queue<Action>::entry;

    relay_queue() = default;
    relay_queue(const relay_queue& o) : items_(o.items_), head_(o.head_) { take_copy(o); }
    relay_queue(relay_queue&& o) noexcept
        : items_(std::move(o.items_)), data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0u)),
          capacity_(std::exchange(o.capacity_, 0u)), head_(std::exchange(o.head_, 0u)) {}
    relay_queue& operator=(const relay_queue& o) {
        if (this != &o) {
            items_ = o.items_;
            head_ = o.head_;
            take_copy(o);
        }
        return *this;
    }
    relay_queue& operator=(relay_queue&& o) noexcept {
        if (this != &o) {
            delete[] data_;
            items_ = std::move(o.items_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0u);
            capacity_ = std::exchange(o.capacity_, 0u);
            head_ = std::exchange(o.head_, 0u);
        }
        return *this;
    }
    ~relay_queue() { delete[] data_; }

    /// Queues `a` with a copy of `bytes`.
    void push(const Action& a, std::string_view bytes = {}) {
        if (head_ == items_.size()) { // everything was polled: start over
            items_.clear();
            size_ = 0;
            head_ = 0;
        }
        std::string_view view;
        if (!bytes.empty()) {
            if (bytes.size() > capacity_ - size_) grow(bytes.size());
            std::memcpy(data_ + size_, bytes.data(), bytes.size());
            view = {data_ + size_, bytes.size()};
            size_ += static_cast<std::uint32_t>(bytes.size());
        }
        items_.push_back(entry{a, view});
    }
    /// The next action, or nullptr.
    const entry* poll() noexcept { return head_ == items_.size() ? nullptr : &items_[head_++]; }
    bool empty() const noexcept { return head_ == items_.size(); }
    /// Heap bytes held (entries and bytes).
    std::size_t heap_bytes() const noexcept { return items_.capacity() * sizeof(entry) + capacity_; }
    /// Gives back all memory when everything queued was polled.
    void shrink() noexcept {
        if (head_ != items_.size()) return;
        std::vector<entry>().swap(items_);
        delete[] data_;
        data_ = nullptr;
        size_ = capacity_ = head_ = 0;
    }

private:
    // Moves every entry's view from the bytes at `from` to the same offset at `to`.
    void rebase(const char* from, char* to) noexcept {
        for (entry& e : items_)
            if (!e.bytes.empty()) e.bytes = {to + (e.bytes.data() - from), e.bytes.size()};
    }
    [[gnu::noinline]] void grow(std::size_t n) {
        std::size_t cap = capacity_ < 64 ? 128 : std::size_t{capacity_} * 2;
        if (cap - size_ < n) cap = size_ + n;
        char* bigger = new char[cap];
        if (size_ != 0) std::memcpy(bigger, data_, size_);
        rebase(data_, bigger);
        delete[] data_;
        data_ = bigger;
        capacity_ = static_cast<std::uint32_t>(cap);
    }
    // After items_ was copied from o's: a copy of o's bytes, views moved onto it.
    void take_copy(const relay_queue& o) {
        char* mine = o.size_ != 0 ? new char[o.size_] : nullptr;
        if (o.size_ != 0) std::memcpy(mine, o.data_, o.size_);
        rebase(o.data_, mine);
        delete[] data_;
        data_ = mine;
        size_ = capacity_ = o.size_;
    }

    std::vector<entry> items_;
    char* data_ = nullptr; // owned (new[]); the entries' views point into it
    std::uint32_t size_ = 0, capacity_ = 0, head_ = 0;
};

/// The shell of a protocol client over gateway::session<Policy>, handing out
/// `Action`s (see the header comment for what Derived provides).
template <class Derived, class Policy, class Action>
class client_shell {
public:
    using entry = typename relay_queue<Action>::entry;

    // ---- transport inputs (see gateway::session for the errors) ----------

    /// The transport opened (after the upgrade).
    std::error_code on_open(instant now) {
        return run(now, [&] { return engine_.on_open(now); });
    }
    std::error_code on_open(std::uint32_t generation, instant now) {
        return run(now, [&] { return engine_.on_open(generation, now); });
    }
    /// The upgrade was refused with HTTP `status` (the policy decides what follows).
    std::error_code on_open_refused(std::uint16_t status, instant now) {
        return run(now, [&] { return engine_.on_open_refused(status, now); });
    }
    std::error_code on_open_refused(std::uint32_t generation, std::uint16_t status, instant now) {
        return run(now, [&] { return engine_.on_open_refused(generation, status, now); });
    }
    /// One whole message arrived.
    std::error_code on_message(std::string_view text, message_type type, instant now) {
        return run(now, [&] { return engine_.on_message(text, type, now); });
    }
    std::error_code on_message(std::uint32_t generation, std::string_view text, message_type type, instant now) {
        return run(now, [&] { return engine_.on_message(generation, text, type, now); });
    }
    /// The transport ended (with the peer's close code, if any).
    std::error_code on_close(close_info info, instant now) {
        return run(now, [&] { return engine_.on_close(info, now); });
    }
    std::error_code on_close(std::uint32_t generation, close_info info, instant now) {
        return run(now, [&] { return engine_.on_close(generation, info, now); });
    }
    /// Fires due timers (heartbeat, handshake, reconnect). Early calls do nothing.
    void handle_timeout(instant now) {
        (void)run(now, [&] {
            engine_.handle_timeout(now);
            return std::error_code{};
        });
    }
    /// The earliest instant handle_timeout() has work; O(1).
    instant next_deadline() const noexcept { return engine_.next_deadline(); }

    /// The next action, or nullptr. Its bytes are valid until the next mutating call.
    const entry* poll() noexcept { return queue_.poll(); }

    // ---- introspection -----------------------------------------------------

    gateway::state current_state() const noexcept { return engine_.current_state(); }
    bool is_ready() const noexcept { return engine_.is_ready(); }
    /// The engine, for its introspection (latency, heartbeat interval, ...).
    const gateway::session<Policy>& engine() const noexcept { return engine_; }

    // ---- memory ------------------------------------------------------------

    /// Heap bytes the client holds: the engine's (its queue, the session's
    /// strings), its own queue's, and what the protocol keeps (strings,
    /// tables), for size reports.
    std::size_t heap_bytes() const noexcept {
        return engine_.heap_bytes() + queue_.heap_bytes() + self().own_heap_bytes();
    }
    /// Gives back the memory an idle client does not need (both queues, once
    /// everything was polled, and the protocol's empty tables). The next
    /// traffic allocates it again, once, up to the largest burst.
    void shrink() {
        engine_.shrink();
        queue_.shrink();
        self().shrink_own();
    }

protected:
    client_shell(Policy p, entropy rng, const gateway::config& c) : engine_(std::move(p), rng, c) {}

    // Protocols without a cluster-wide identify limit send identify at once.
    static gateway::config without_identify_gate(gateway::config c) noexcept {
        c.wait_for_identify_permit = false;
        return c;
    }

    // Every mutating call runs here (see the header comment).
    template <class F>
    std::error_code run(instant now, F&& f) {
        self().before_run(now);
        const std::error_code ec = std::forward<F>(f)();
        absorb();
        self().after_run();
        return ec;
    }
    // Moves the engine's actions to our queue, translated.
    void absorb() {
        while (const gateway::entry* e = engine_.poll()) self().translate(*e);
    }
    // The default hooks: nothing.
    void before_run(instant) noexcept {}
    void after_run() noexcept {}
    std::size_t own_heap_bytes() const noexcept { return 0; }
    void shrink_own() noexcept {}

    gateway::session<Policy> engine_;
    relay_queue<Action> queue_;

private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
    const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

} // namespace sluice::gateway::detail
