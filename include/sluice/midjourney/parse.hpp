#pragma once
// sluice/midjourney/parse.hpp: reading what the Midjourney bot writes.
//
// Midjourney reports a job in the text of its messages:
//   started   "**<prompt>** - <@user> (Waiting to start)"
//   progress  "**<prompt>** - <@user> (31%) (fast)"
//   grid      "**<prompt>** - <@user> (fast)"            with U1-U4, V1-V4, reroll buttons
//   upscale   "**<prompt>** - Image #2 <@user>"
//   variation "**<prompt>** - Variations (Strong) by <@user> (fast)"
// and reports failures as embeds (color 16711680 = error, 16776960 =
// warning) titled "Invalid parameter", "Banned prompt", "Job queued",
// "Queue full", "Action needed to continue", "Pending mod message", ...
// Buttons carry "MJ::JOB::<action>::<index>::<hash>[::SOLO]".
//
// Pure functions over text; constexpr where possible.
//
// Includes: <cstdint>, <optional>, <string_view>; midjourney/errc.hpp.
#include <cstdint>
#include <optional>
#include <string_view>

#include <sluice/midjourney/errc.hpp>

namespace sluice::midjourney {

/// The prompt as Midjourney echoed it: the text between the first "**" pair.
constexpr std::optional<std::string_view> echoed_prompt(std::string_view content) noexcept {
    const auto open = content.find("**");
    if (open == std::string_view::npos) return std::nullopt;
    const auto close = content.find("**", open + 2);
    if (close == std::string_view::npos) return std::nullopt;
    return content.substr(open + 2, close - open - 2);
}

/// The progress "(NN%)" after the prompt, if any (0..100).
constexpr std::optional<int> progress_percent(std::string_view content) noexcept {
    if (auto p = echoed_prompt(content)) content.remove_prefix(static_cast<std::size_t>(p->data() + p->size() - content.data()) + 2);
    for (std::size_t at = content.find("%)"); at != std::string_view::npos; at = content.find("%)", at + 2)) {
        std::size_t b = at;
        int value = 0, scale = 1, digits = 0;
        while (b > 0 && content[b - 1] >= '0' && content[b - 1] <= '9' && digits < 3) {
            value += (content[b - 1] - '0') * scale;
            scale *= 10;
            --b;
            ++digits;
        }
        if (digits > 0 && b > 0 && content[b - 1] == '(' && value <= 100) return value;
    }
    return std::nullopt;
}

/// "(Waiting to start)" after the prompt.
constexpr bool waiting_to_start(std::string_view content) noexcept {
    return content.find("(Waiting to start)") != std::string_view::npos;
}

/// What a finished Midjourney message holds.
enum class result_kind : std::uint8_t {
    grid,      ///< four images (imagine, reroll): buttons U1-U4, V1-V4, reroll
    upscale,   ///< one image ("Image #N")
    variation, ///< a grid of variations ("Variations ...")
};

/// The kind of a result message, from the text after the prompt.
constexpr result_kind result_of(std::string_view content) noexcept {
    if (auto p = echoed_prompt(content)) content.remove_prefix(static_cast<std::size_t>(p->data() + p->size() - content.data()) + 2);
    if (content.find("Image #") != std::string_view::npos) return result_kind::upscale;
    if (content.find("Variations") != std::string_view::npos) return result_kind::variation;
    return result_kind::grid;
}

/// The job hash of a button id "MJ::JOB::<action>::<index>::<hash>[::...]".
constexpr std::optional<std::string_view> hash_of_custom_id(std::string_view id) noexcept {
    constexpr std::string_view prefix = "MJ::JOB::";
    if (id.substr(0, prefix.size()) != prefix) return std::nullopt;
    id.remove_prefix(prefix.size());
    for (int skip = 0; skip < 2; ++skip) { // <action>, <index>
        const auto sep = id.find("::");
        if (sep == std::string_view::npos) return std::nullopt;
        id.remove_prefix(sep + 2);
    }
    const auto end = id.find("::");
    const std::string_view hash = id.substr(0, end);
    if (hash.empty()) return std::nullopt;
    return hash;
}

/// The job hash at the end of an image file name "<user>_<prompt>_<hash>.png".
constexpr std::optional<std::string_view> hash_of_filename(std::string_view name) noexcept {
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    name = name.substr(0, dot);
    const auto us = name.rfind('_');
    if (us == std::string_view::npos || us + 1 == name.size()) return std::nullopt;
    const std::string_view hash = name.substr(us + 1);
    if (hash.size() != 36) return std::nullopt; // a UUID
    return hash;
}

/// Embed colors Midjourney uses.
inline constexpr std::uint32_t color_error = 16711680;   // 0xff0000
inline constexpr std::uint32_t color_warning = 16776960; // 0xffff00

/// What an embed means for the job it belongs to.
enum class embed_verdict : std::uint8_t {
    none,   ///< not a status embed: ignore
    queued, ///< "Job queued": keep waiting
    failed, ///< the job failed; see embed_error()
};

constexpr bool title_is(std::string_view title, std::string_view what) noexcept {
    return title.substr(0, what.size()) == what;
}

/// The verdict of an embed with `title` and `color`.
constexpr embed_verdict classify_embed(std::string_view title, std::optional<std::uint32_t> color) noexcept {
    if (title_is(title, "Job queued")) return embed_verdict::queued;
    if (title_is(title, "Invalid parameter") || title_is(title, "Banned prompt") || title_is(title, "Queue full") ||
        title_is(title, "Action needed to continue") || title_is(title, "Pending mod message") || title_is(title, "Invalid link") ||
        title_is(title, "Blocked") || title_is(title, "Job action restricted"))
        return embed_verdict::failed;
    if (color && (*color == color_error || *color == color_warning)) return embed_verdict::failed;
    return embed_verdict::none;
}

/// The precise error of a failing embed's title.
constexpr errc embed_error(std::string_view title) noexcept {
    if (title_is(title, "Invalid parameter")) return errc::invalid_parameter;
    if (title_is(title, "Banned prompt")) return errc::banned_prompt;
    if (title_is(title, "Queue full")) return errc::queue_full;
    if (title_is(title, "Action needed to continue")) return errc::action_needed;
    if (title_is(title, "Pending mod message")) return errc::pending_moderation;
    return errc::job_error;
}

} // namespace sluice::midjourney
