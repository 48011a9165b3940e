"""What `:help` says, at the prompt and inside a form."""

from __future__ import annotations

__all__ = ["FORM_HELP", "HELP"]

FORM_HELP = (
    "In a form: answer each field on its own line (a number or the text of an option);\n"
    "an empty line skips an optional field or keeps the value shown.\n"
    "  :submit [field=value ...]  fill the named fields and send the form now\n"
    "  :cancel                    close the form"
)

HELP = f"""\
Type slash commands as in Slack:  /vps help   /vps list   /vps show web-server-01
  1, 2, …                 click that button of the latest message that has buttons
  :click 2                the same; :click Stop web-server-01 picks a button by its text
  :click 3 2              choose option 2 of menu [3]
  :as bob                 be someone else (new people are made up on the fly)
  :in #ops                go to another channel (made up on the fly too)
  :wait                   wait until the servers being followed and the plans under way
                          have settled (:wait 120: at most 120 s; a script's end waits too)
  :home                   your Home tab in the bot's App Home; :home 2 clicks its button [2]
  :policy                 the policy in force (the demo one shows the guardrails, commented)
  :help  :quit            this help; leave (Ctrl-D works too; Ctrl-C clears the line)
  reboot web-server-01    anything else is words to the bot, as in a direct message
                          (English or Italian: "quali server sono spenti?"); it answers
                          with the command it read, and a write waits for your Do it
{FORM_HELP}
Lines can also come from a pipe, or from -c (repeatable): vpsbot console -c "/vps list"
A script stops at the first line that fails (exit code 1): a refusal, an error, a mistake."""
