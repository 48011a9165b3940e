"""The Slack side of vpsbot: listeners, Block Kit builders and text for Slack surfaces."""
