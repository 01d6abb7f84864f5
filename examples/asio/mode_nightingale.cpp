// sluice-client nightingale: the Nightingale gateway client (seed 001) in
// byte mode (ws::session<nightingale::client>) over the Asio driver.
#include <charconv>

#include <sluice/nightingale.hpp>

#include "modes.hpp"
#include "session_mode.hpp"

namespace example {
namespace {

namespace ng = sluice::nightingale;

struct session_line {
    std::string_view event; ///< "ready" or "resumed"
    std::string_view session;
    std::optional<sluice::json::raw> players;
};
struct forward_line {
    std::string_view event = "forward";
    std::optional<std::uint64_t> shard;
    sluice::json::raw payload;
};
struct state_line {
    std::string_view event = "update_state";
    std::string_view type;
    std::string guild_id;
    sluice::json::raw data;
};
struct track_line {
    std::string_view event = "track";
    std::string_view type;
    std::optional<std::string> guild_id;
    std::optional<std::string> title;
    sluice::json::raw data;
};
struct send_fields {
    std::string op;
    sluice::json::raw data;
};
struct nightingale_command {
    std::optional<send_fields> send;
    std::optional<bool> close;
};

class nightingale_mode final : public session_mode<ng::client> {
public:
    explicit nightingale_mode(const options& o) : session_mode(o) {}

private:
    bool start() override {
        ng::config cfg;
        cfg.base_url = opts_.url;
        const std::string user = opts_.get("user-id");
        if (user.empty() || std::from_chars(user.data(), user.data() + user.size(), cfg.user_id).ec != std::errc{}) {
            finish(2, "nightingale: --user-id (the bot's user id) is required");
            return false;
        }
        if (opts_.has("shards")) cfg.shards = static_cast<std::uint32_t>(std::stoul(opts_.get("shards")));
        cfg.password = opts_.get("password");
        const std::string form = opts_.get("resume-form", "path");
        cfg.resume = form == "query" ? ng::resume_form::query : form == "header" ? ng::resume_form::header : ng::resume_form::path;
        make_session(std::move(cfg));
        (void)start_session();
        return true;
    }

    bool ready() const override { return machine().is_ready(); }

    void on_action(const entry_type& e) override {
        const ng::action& a = e.action.inner;
        const ng::entry ne{a, e.bytes};
        const std::string_view data = ng::data(ne);
        switch (a.kind) {
        case ng::action_kind::ready:
        case ng::action_kind::resumed: {
            session_line l{a.kind == ng::action_kind::ready ? "ready" : "resumed", machine().session(), std::nullopt};
            ng::ready_message r;
            if (!ng::read_ready(data, r) && !r.players.empty()) l.players = as_json(r.players);
            out_.line(l);
            break;
        }
        case ng::action_kind::forward:
            out_.line(forward_line{"forward", a.has_shard ? std::optional<std::uint64_t>(a.shard) : std::nullopt, as_json(data)});
            break;
        case ng::action_kind::state_update:
            out_.line(state_line{"update_state", ng::to_string(a.state), std::to_string(a.guild_id), as_json(data)});
            break;
        case ng::action_kind::track_event: {
            track_line l{"track", ng::to_string(a.track), std::nullopt, std::nullopt, as_json(data)};
            if (a.has_guild) l.guild_id = std::to_string(a.guild_id);
            ng::track_event ev;
            if (!ng::read_track_event(data, ev) && ev.track.title) l.title = *ev.track.title;
            out_.line(l);
            break;
        }
        case ng::action_kind::notice: gateway_notice(a, *driver_, a.error.message()); return;
        default: break; // transport actions are the session's
        }
        settle();
    }

    void command(std::string_view line) override {
        run_command<nightingale_command>(line, "nightingale commands: send {op, data}, close",
                                         [&](const nightingale_command& c) -> std::optional<std::error_code> {
                                             if (!c.send) return std::nullopt;
                                             return machine().send_message(c.send->op, c.send->data.text, now());
                                         });
    }
};

} // namespace

void run_nightingale(const options& o) { nightingale_mode(o).run(); }

} // namespace example
