"""Slack's size limits for the surfaces the builders make, in characters unless named otherwise.

Slack rejects a whole message or view when one of these is exceeded (`invalid_blocks`), so the
builders cut every piece of outside text to fit before it goes in.
"""

from __future__ import annotations

# The top-level `text` of a message: Slack truncates past 40,000 and advises staying under 4,000.
FALLBACK_TEXT = 3000

SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000

BUTTON_TEXT = 75
BUTTON_VALUE = 2000

OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100

INPUT_VALUE = 3000

PRIVATE_METADATA = 3000
