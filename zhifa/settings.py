"""One settings object for the whole platform, read from ``ZHIFA_*`` environment variables and ``.env``.

All state lives under ``ZHIFA_HOME`` (default ``./var``); every path below is derived from it unless set.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFA_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path("var"), description="folder holding all platform state")
    database_url: str | None = Field(default=None, description="API store; default SQLite under home")
    secret_key: str | None = Field(default=None, description="token signing key; required to serve the API")
    audit_key: str | None = Field(
        default=None,
        description="key of the API audit chain's HMAC; defaults to secret_key (set it apart to rotate that)",
    )
    audit_checkpoints: Path | None = Field(
        default=None,
        description="append-only file of signed audit checkpoints; default home/audit/checkpoints.jsonl",
    )
    pseudonym_key: str | None = Field(
        default=None,
        description="key for pseudonymising personal data; generated once into home/secrets when unset",
    )
    max_bad_row_share: float = Field(default=0.2, description="a load above this share of bad rows fails")
    web_dist: Path = Field(
        default=PROJECT_ROOT / "web" / "dist",
        description="the built web front end (npm run build in web/, done by make bootstrap), served at /",
    )
    due_soon_days: int = Field(
        default=3, ge=0, description="a deadline this near (days) shows as 临期 (orange) in the pages"
    )
    max_import_unzipped_bytes: int = Field(
        default=8 * 1024**3, description="cap on the total uncompressed size of an imported .zip"
    )
    # plausible dates (issue #12 §2.2): a date outside [start, today + future_days] is a typo or an attack
    date_window_start: date = Field(
        default=date(1990, 1, 1), description="earliest date a request may carry (discovery, seizure…)"
    )
    date_window_future_days: int = Field(
        default=1, ge=0, le=366, description="how many days past today (project clock) a date may lie"
    )
    # review-rule conditions (issue #12 §2.9): long or deeply nested input must not exhaust the parser
    rule_condition_max_chars: int = Field(default=4000, ge=1, description="longest rule condition")
    rule_condition_max_depth: int = Field(
        default=20, ge=1, le=100, description="deepest nesting of parentheses in a rule condition"
    )
    doc_type_min_confidence: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="a document whose best type scores lower is unknown (ingestion.recognition.classify): a "
        "title read right to at least two thirds, not a mere citation (0.5) of another document's name",
    )
    max_text_chars: int = Field(
        default=4000,
        ge=1,
        description="longest free text in a request (rule description, legal basis…)",
    )
    # the Superset dashboards (docs/security.md "Dashboards"): where browsers reach them, and the key of
    # the short-lived sign-in tokens the API hands over (Superset is given the same key)
    dashboards_url: str | None = Field(
        default=None, description="Superset's address as users' browsers reach it; unset: no dashboard links"
    )
    dashboards_sso_key: str | None = Field(
        default=None, description="key of the dashboards sign-in tokens; default derived from secret_key"
    )
    dashboards_token_seconds: int = Field(
        default=60, ge=5, le=600, description="how long a dashboards sign-in token stays valid"
    )

    @property
    def dashboards_sso_secret(self) -> str | None:
        """The sign-in token key: set apart, or derived one-way from secret_key (Superset never sees it)."""
        if self.dashboards_sso_key:
            return self.dashboards_sso_key
        if not self.secret_key:
            return None
        return hmac.new(self.secret_key.encode(), b"zhifa dashboards sign-in", hashlib.sha256).hexdigest()

    @property
    def audit_secret(self) -> str | None:
        return self.audit_key or self.secret_key

    @property
    def audit_checkpoints_path(self) -> Path:
        return self.audit_checkpoints or self.home_dir / "audit" / "checkpoints.jsonl"

    @property
    def pseudonym_key_path(self) -> Path:
        return self.home_dir / "secrets" / "pseudonym-key"

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def landing_dir(self) -> Path:
        return self.home_dir / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home_dir / "warehouse.duckdb"

    @property
    def serve_warehouse_path(self) -> Path:
        return self.home_dir / "serve" / "warehouse.duckdb"

    @property
    def documents_dir(self) -> Path:
        return self.home_dir / "documents"

    @property
    def uploads_dir(self) -> Path:
        return self.home_dir / "uploads"

    @property
    def api_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'api.sqlite3'}"

    def paths(self) -> dict[str, Path | str]:
        return {
            "home": self.home_dir,
            "landing": self.landing_dir,
            "warehouse (build)": self.warehouse_path,
            "warehouse (published snapshot)": self.serve_warehouse_path,
            "documents": self.documents_dir,
            "uploads": self.uploads_dir,
            "api database": self.api_database_url,
            "audit checkpoints": self.audit_checkpoints_path,
            "dbt project": DBT_PROJECT_DIR,
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
