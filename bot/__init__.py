"""vpsbot: a Slack chat-ops bot for the VPS.org servers API."""

__version__ = "0.1.0"
