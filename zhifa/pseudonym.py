"""The key of the pseudonyms that replace personal data in the warehouse (staging models).

There is no built-in default: a key in the source code is public, and anyone holding it could link
pseudonyms back to ID numbers by trying them. ``ZHIFA_PSEUDONYM_KEY`` wins when set; otherwise the first
pipeline run generates one into ``$ZHIFA_HOME/secrets/pseudonym-key`` (0600) and says so. Keep that file
with the warehouse: the same key keeps the same pseudonyms across runs.
"""

from __future__ import annotations

from zhifa.private import stored_secret
from zhifa.settings import Settings

ENV = "ZHIFA_PSEUDONYM_KEY"
# the development default of earlier versions, published in their source: never accepted
PUBLIC_KEYS = frozenset({"zhifa-dev-pseudonym-key"})


class PseudonymKeyError(RuntimeError):
    pass


def resolve(settings: Settings) -> tuple[str, bool]:
    """The key for this ``ZHIFA_HOME``, and whether it was generated just now."""
    key, created = stored_secret(settings.pseudonym_key_path, settings.pseudonym_key)
    if key in PUBLIC_KEYS:
        raise PseudonymKeyError(
            f"{ENV} is the public development key: set a secret one, or unset it to have one generated"
        )
    return key, created


def from_env() -> str:
    """For the dbt models: ``ZHIFA_PSEUDONYM_KEY``, else the key the pipeline stored under ``ZHIFA_HOME``
    before it started dbt (the dbt process inherits ZHIFA_HOME; nothing is exported for it)."""
    settings = Settings()
    key = settings.pseudonym_key
    if not key and settings.pseudonym_key_path.exists():
        key = settings.pseudonym_key_path.read_text(encoding="utf-8").strip()
    if not key or key in PUBLIC_KEYS:
        raise PseudonymKeyError(
            f"{ENV} 未设置 / not set: `zhifa run` and Dagster generate it under ZHIFA_HOME/secrets on the "
            "first run; a bare `dbt build` needs it exported or that file present"
        )
    return key


# The pseudonym of a value in the staging models' SQL, keyed by the session variable the model sets from
# ``from_env()``: 'P' + 20 hex digits of sha256(key | sha256(key | value)) — one value, one pseudonym.
PSEUDONYM_SQL = (
    "case when nullif(trim({col}), '') is null then null else 'P' || left(sha256("
    "getvariable('zhifa_pseudonym_key') || '|' || sha256(getvariable('zhifa_pseudonym_key') || '|' || "
    "{norm}(trim({col})))), 20) end"
)


def pseudonym_sql(col: str, norm: str = "") -> str:
    """SQL giving the pseudonym of ``col`` (``norm``: a SQL function applied first, e.g. ``upper``)."""
    return PSEUDONYM_SQL.format(col=col, norm=norm)
