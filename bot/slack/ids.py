"""Every action_id, block_id and callback_id the app uses, defined once."""

from __future__ import annotations

import re

# The server list's paging buttons; value = the list state as JSON (filters and page).
LIST_NEXT = "vps_list_next"
LIST_PREVIOUS = "vps_list_previous"

# The server card's buttons; value = the `Request` each makes, as JSON (bot.operations.change):
# {"operation": "stop", "target": "#12345"}. A list row's Show, and cards posted before, hold
# the bare server id.
CARD_SHOW = "vps_card_show"
CARD_REFRESH = "vps_card_refresh"
# A declared operation's button (`bot.operations`, `on_card`): "vps_card_" and its name.
CARD_OPERATION = re.compile(r"^vps_card_(?!show$|refresh$)([a-z][a-z0-9_-]*)$")


def card_action(operation: str) -> str:
    """The action_id of an operation's button on a card."""
    return f"vps_card_{operation}"


def card_operation(action_id: str) -> str | None:
    """The operation a card button's action_id names, if it names one."""
    found = CARD_OPERATION.match(action_id)
    return found.group(1) if found else None


# The confirmation prompt's buttons; value = the pending confirmation's id.
CONFIRM = "vps_confirm"
CANCEL = "vps_cancel"

# A plan's preview (several servers at once); value = the plan's id.
PLAN_CONFIRM = "vps_plan_confirm"
PLAN_CANCEL = "vps_plan_cancel"
# A large plan under `confirm:` asks for the number of its servers; private_metadata = JSON of
# the plan's id, who clicked, and the click's channel and response_url (bot.plans.forms).
PLAN_COUNT_MODAL = "vps_plan_count_modal"
PLAN_COUNT_BLOCK = "plan_count"
PLAN_COUNT_INPUT = "plan_count_input"

# Schedules: the preview's buttons (value = the schedule's id); Cancel on `/vps schedules`,
# the Home tab and the notice before a run (value = the schedule's id); Skip this run on the
# notice (value = "<schedule id>:<the run's UNIX time>").
SCHEDULE_CONFIRM = "vps_schedule_confirm"
SCHEDULE_DISCARD = "vps_schedule_discard"
SCHEDULE_CANCEL = "vps_schedule_cancel"
SCHEDULE_SKIP = "vps_schedule_skip"
# Scheduling a delete asks for the server's name, a large plan under `confirm:` for its number
# of servers, as the command would; private_metadata = JSON of the schedule's id, what to type,
# who clicked, and the click's channel and response_url (bot.flow.forms.ScheduleFormState).
SCHEDULE_TYPED_MODAL = "vps_schedule_typed_modal"
SCHEDULE_TYPED_BLOCK = "schedule_typed"
SCHEDULE_TYPED_INPUT = "schedule_typed_input"

# An approval request's buttons (ops channel, /vps approvals); value = the approval's id.
APPROVE = "vps_approve"
REJECT = "vps_reject"

# Reject opens a modal with an optional reason; private_metadata = JSON of the approval's id,
# who clicked, and the click's channel and response_url (bot.flow.forms.RejectFormState).
REJECT_MODAL = "vps_reject_modal"
REJECT_REASON_BLOCK = "reject_reason"
REJECT_REASON_INPUT = "reject_reason_input"

# `/vps audit`'s paging buttons; value = JSON of the reference asked about and where the
# page starts (bot.flow.forms.AuditPageState).
AUDIT_OLDER = "vps_audit_older"
AUDIT_NEWEST = "vps_audit_newest"

# The delete modal: the caller types the server's name; private_metadata = JSON of the
# confirmation id and the prompt's response_url.
DELETE_MODAL = "vps_delete_modal"
DELETE_NAME_BLOCK = "delete_name"
DELETE_NAME_INPUT = "delete_name_input"

# The create modal (`/vps create` with no arguments); private_metadata = JSON {channel_id,
# response_url}.
CREATE_MODAL = "vps_create_modal"
CREATE_NAME = "create_name"
CREATE_PLAN = "create_plan"
CREATE_OS = "create_os"
CREATE_LOCATION = "create_location"
CREATE_HOSTNAME = "create_hostname"
CREATE_SSH_KEY = "create_ssh_key"
CREATE_BACKUPS = "create_backups"
# In the create modal every input's action_id is its block_id with this suffix.
INPUT_SUFFIX = "_input"

# The answer to plain words (a direct message or a mention): Do it / Cancel on a write it read,
# and the candidate commands when the words were ambiguous; value = JSON of the reading
# (bot.flow.plain.Reading: its id, the command, who asked, where, when).
WORDS_DO_IT = "vps_words_do_it"
WORDS_CANCEL = "vps_words_cancel"
WORDS_CANDIDATE = "vps_words_candidate"

# The first block of a message saying a request was refused or could not be done, so that a
# reader that is not a person (the console's script mode) can tell without reading the words.
DENIED_BLOCK = "outcome_denied"
FAILED_BLOCK = "outcome_failed"

# A running plan's progress message (where it was asked, and the ops channel); value = the
# plan's id. Retry the failed: on its summary, makes a new plan of the servers that failed.
PLAN_PAUSE = "vps_plan_pause"
PLAN_RESUME = "vps_plan_resume"
PLAN_ABORT = "vps_plan_abort"
PLAN_RETRY = "vps_plan_retry"
