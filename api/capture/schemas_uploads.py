"""Bodies of resumable uploads (issue #16 §5)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.core.bounds import PlausibleDatetime
from api.core.schema_types import Orm, UtcDatetime

Step = Literal["inspection", "preservation", "inquiry", "notice", "hearing", "service"]


class UploadSessionIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=1, le=2**40, description="bytes of the whole file")
    kind: Literal["dossier", "video"] = "dossier"
    description: str | None = Field(default=None, max_length=200)
    step: Step | None = None
    device_id: str | None = Field(default=None, max_length=60)
    started_at: PlausibleDatetime | None = None
    ended_at: PlausibleDatetime | None = None


class UploadSessionOut(Orm):
    session_id: str
    case_id: str
    filename: str
    size: int
    received: int = Field(description="the offset the next chunk starts at")
    status: Literal["open", "complete"]
    upload_id: int | None
    expires_at: UtcDatetime
    chunk_max_bytes: int = 0


class CompleteIn(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the whole file, hex")
