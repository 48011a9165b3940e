"""A local Slack for end-to-end tests and the console: Web API, request signing, Socket Mode,
response URLs, Block Kit validation, and a person who types commands and clicks buttons.

    async with SlackEmulator(signing_secret=..., bot_token="xoxb-...") as emu:
        emu.add_user("U0ALICE01", "alice")
        emu.add_channel("C0OPS0001", "ops")
        emu.app_url = "http://127.0.0.1:3000/slack/events"
        ack = await emu.slash_command("/vps stop web-01", user="U0ALICE01", channel="C0OPS0001")
        prompt = await emu.wait_for(lambda: emu.last_message(visible_to="U0ALICE01"))
        await emu.click(prompt, text="Stop web-01")
"""

from slackemu.blockkit import validate_blocks, validate_text, validate_view
from slackemu.delivery import RawAck, SentRequest
from slackemu.model import (
    SLACKBOT,
    Button,
    Channel,
    EmulatorUsageError,
    Input,
    Message,
    MessageVersion,
    User,
    View,
)
from slackemu.records import Ack, ApiCall, Change, FunctionExecution, Interaction
from slackemu.server import SlackEmulator
from slackemu.signing import Signing, signature
from slackemu.world import Workspace, World

__all__ = [
    "SLACKBOT",
    "Ack",
    "ApiCall",
    "Button",
    "Change",
    "Channel",
    "EmulatorUsageError",
    "FunctionExecution",
    "Input",
    "Interaction",
    "Message",
    "MessageVersion",
    "RawAck",
    "SentRequest",
    "Signing",
    "SlackEmulator",
    "User",
    "View",
    "Workspace",
    "World",
    "signature",
    "validate_blocks",
    "validate_text",
    "validate_view",
]
