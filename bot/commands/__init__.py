"""The `/vps` command line: typed command values, `parse`, usage, and the create form's checks.

Where things live: `values` (what a line parses into), `parser` (the command table and `parse`),
`fields` (one check per kind of value), `checks` (several values at once; the create form),
`tokens` (Slack's escaping and shell-like quoting), `usage` (help lines).
"""
