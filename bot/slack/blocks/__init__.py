"""Pure Block Kit builders: data in, `Message` (text + blocks) or modal `View` out.

Every builder fits Slack's limits (see `limits`) whatever it is given, and runs outside text
through `bot.slack.text`. A `Message` goes to Slack as `respond(**message.to_dict())` or
`client.chat_postMessage(channel=..., **message.to_dict())`.
"""

from bot.slack.blocks.card import build_server_card, plan_summary
from bot.slack.blocks.confirm import build_confirm_prompt, build_delete_modal, build_prompt_outcome
from bot.slack.blocks.core import Message, action_label, emoji_for
from bot.slack.blocks.create import BACKUPS_ON, build_create_modal
from bot.slack.blocks.messages import (
    build_denial,
    build_error,
    build_help,
    build_result,
    build_whoami,
)
from bot.slack.blocks.servers import LIST_PAGE_SIZE, ListFilters, build_server_list

__all__ = [
    "BACKUPS_ON",
    "LIST_PAGE_SIZE",
    "ListFilters",
    "Message",
    "action_label",
    "build_confirm_prompt",
    "build_create_modal",
    "build_delete_modal",
    "build_denial",
    "build_error",
    "build_help",
    "build_prompt_outcome",
    "build_result",
    "build_server_card",
    "build_server_list",
    "build_whoami",
    "emoji_for",
    "plan_summary",
]
