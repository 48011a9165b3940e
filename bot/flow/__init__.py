"""What happens when someone asks the bot for something: Slack-shaped in, Slack messages out.

`caller` parses who and where from Slack payloads; `reply` answers through response_url;
`operations` holds the writes and runs them; `requests` runs a `/vps` line; `confirmations`
handles the prompt's buttons and the delete modal. Listeners in `bot/slack/listeners` only ack
and hand over.
"""
