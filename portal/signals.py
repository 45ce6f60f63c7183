"""The one event the portal's accounts announce to the feature apps.

`portal` imports no feature app (the import contract in pyproject.toml), yet
records that staff made at the counter before a person had an account
(filings, grants) must become theirs when they register. Each feature app
connects a receiver in its AppConfig.ready(); the receiver does its work
through its own service and may return a sentence to show the person.
Receivers run inside the registration's transaction: the account and
everything linked to it are saved together, or none of it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `user`, the new account; a receiver returns a message or None.
registered = Signal()
