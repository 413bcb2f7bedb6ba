"""Signals other apps connect to (users imports none of them: the layers point down)."""

from django.dispatch import Signal

# Sent after commit when a user's time zone really changed (the API, the profile page, the first
# visit's default from the browser), with `user`. Stats that count local days rebuild on it.
time_zone_changed = Signal()
