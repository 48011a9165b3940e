"""Schedules: a write command run later, once or again and again (`/vps schedule`)."""
