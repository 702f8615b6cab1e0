"""The API's view of the project clock (``zhifa.clock``): re-exported so services import one name."""

from __future__ import annotations

from zhifa.clock import LOCAL, as_utc, local_date, now, today

__all__ = ["LOCAL", "as_utc", "local_date", "now", "today"]
