"""How values are written in documents: the forms a recogniser looks for later."""

from __future__ import annotations

from datetime import date, datetime

LABEL_SEPARATOR = "："  # full-width colon between label and value, everywhere


def fmt_date(value: date | None) -> str:
    """2024年3月5日 (no zero padding); an empty line to fill by hand when absent."""
    if value is None:
        return "    年  月  日"
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return fmt_date(None)
    return f"{fmt_date(value)}{value.hour}时{value.minute:02d}分"


def fmt_amount(value: float | None) -> str:
    """1234.50元."""
    return "" if value is None else f"{value:.2f}元"


def fmt_number(value: float) -> str:
    """Quantities: 10, 2.5 (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt_percent(value: float | None) -> str:
    return "" if value is None else f"{fmt_number(value * 100)}%"


def labelled(label: str, value: str) -> str:
    return f"{label}{LABEL_SEPARATOR}{value}"


def officer_line(name: str, certificate: str, role: str = "执法人员") -> str:
    return f"{labelled(role, name)} {labelled('执法证号', certificate)}"
