"""API-only operational knobs (not domain rules: those live in reference data)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhifa.settings import Settings, get_settings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFA_API_", env_file=".env", extra="ignore")

    token_minutes: int = Field(default=12 * 60, description="lifetime of an access token")
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, description="largest accepted upload")
    upload_chunk_max_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="largest chunk of a resumable upload (one request)"
    )
    upload_session_hours: int = Field(
        default=24, ge=1, description="an unfinished resumable upload untouched this long is discarded"
    )
    max_scan_bytes: int = Field(default=15 * 1024 * 1024, description="largest accepted scan image")
    max_scan_pixels: int = Field(
        default=16_000_000, description="most pixels of a scan image, checked on its header before decoding"
    )
    scan_budget_ms: int = Field(
        default=220,
        ge=10,
        description="time the decode ladder may spend on one scan photo (after decoding it)",
    )
    max_request_bytes: int = Field(
        default=256 * 1024 * 1024, description="largest request body (all files of one upload together)"
    )
    pool_size: int = Field(default=20, description="database connection pool size")
    # login throttling (issue #12): failures are counted in the store, so every worker sees the same count
    login_window_seconds: int = Field(
        default=15 * 60, ge=1, description="window in which failed logins count"
    )
    login_max_failures: int = Field(
        default=10, ge=1, description="failed logins for one username in the window before 429"
    )
    login_max_failures_per_address: int = Field(
        default=50, ge=1, description="failed logins from one client address in the window before 429"
    )
    export_max_rows: int = Field(
        default=20_000, description="most rows one XLSX export of the office case search may hold"
    )
    search_count_limit: int = Field(
        default=1_000,
        ge=1,
        description="the office case search counts its matches up to this many (50 pages of 20): past "
        "that the page says to narrow the filters; each counted match is a row read",
    )
    # dossier upload (issue #7): limits that keep a hostile zip from filling memory or disk
    dossier_max_files: int = Field(default=300, description="most files one dossier upload may unpack")
    dossier_max_unpacked_bytes: int = Field(
        default=500 * 1024 * 1024, description="largest total uncompressed size of one uploaded zip"
    )
    dossier_max_zip_ratio: float = Field(
        default=200.0, description="largest uncompressed/compressed ratio of a zip member (zip-bomb guard)"
    )
    dossier_max_bytes: int = Field(
        default=1024 * 1024 * 1024, description="largest total size of the files one dossier keeps"
    )


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()


class NotifySettings(BaseSettings):
    """Reminders (issue #17): in-app messages always; a webhook (e-mail/SMS/WeCom gateway) when a URL is set.
    The secret comes from the environment (``ZHIFA_NOTIFY_WEBHOOK_SECRET``), never from reference data."""

    model_config = SettingsConfigDict(env_prefix="ZHIFA_NOTIFY_", env_file=".env", extra="ignore")

    webhook_url: str | None = Field(
        default=None, description="POST each reminder as signed JSON to this URL (unset: in-app only)"
    )
    webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of the webhook signature (required with the URL)"
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=120, description="per attempt")
    webhook_attempts: int = Field(default=3, ge=1, le=10, description="attempts per message per run")
    webhook_backoff_seconds: float = Field(
        default=1.0, ge=0, le=60, description="wait before a retry, doubled each time"
    )


__all__ = ["ApiSettings", "NotifySettings", "Settings", "get_api_settings", "get_settings"]
