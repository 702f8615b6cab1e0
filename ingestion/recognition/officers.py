"""Officers of a document with their certificate numbers, and its signature lines.

Read three ways, in reading order, one officer per name: the values of officer labels
(ref_field_labels: ``询问人：李明、王强``, ``询 问 人(签名)：李明 执法证号:…``,
``检查人：李明（执法证号：…）、王强（…）``); a line of certificate numbers under such a line
(``执法证号  4101…、4101…``, in the names' order); and, for a role the seed does not list,
``核价人：张三 执法证号：…`` signature lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.recognition.labels import Labelled, Labels, spaced, values_of
from ingestion.recognition.lines import Found, Line
from ingestion.recognition.normalise import fold

CONFIDENCE_SIGNATURE = 0.98
CONFIDENCE_LISTED = 0.95

_NAME = r"[\u4e00-\u9fff·]{2,5}?"
_CERT = r"\s*执法证号\s*[:;]\s*(?P<cert>\d{6,20})"
# 核价人：张三 执法证号：41010120190053 — a signature line (OCR may drop the space)
SIGNATURE_RE = re.compile(rf"(?P<role>[\u4e00-\u9fff]{{2,6}})\s*[:;]\s*(?P<name>{_NAME}){_CERT}")
# 张三（执法证号：41010120190053） — officers listed in a field
LISTED_RE = re.compile(rf"(?P<name>{_NAME})\s*\({_CERT}\s*\)?")
_SEP = r"[、,;/\s]"  # folded 、，； and blanks between names
_CERT_LIST = re.compile(r"^(?:\d{6,20}[、,;/\s]*)+$")


@dataclass(frozen=True)
class Officer:
    name: Found
    certificate: Found | None
    role: str | None


def find_officers(lines: list[Line], found: list[Labelled], labels: Labels) -> tuple[list[Officer], int]:
    """Distinct officers in order of appearance and the number of signatures: names on signature lines
    (``核价人：张三 执法证号：…``, or after a label qualified 签名 / 签字)."""
    cert_words = "|".join(spaced(w) for w in labels.words("officer_certificate")) or "(?!)"
    cert = rf"[(\[]?\s*(?:{cert_words})\s*[:;]?\s*(?P<cert>\d{{6,20}})\s*[)\]]?"
    entry = re.compile(rf"(?P<name>[\u4e00-\u9fff·]{{2,4}}?)(?:\s*{cert})?(?={_SEP}|$)")
    cert_line = re.compile(rf"^(?:{cert_words})\s*[:;]?\s*")
    by_line: dict[int, list[Labelled]] = {}
    for item in values_of(found, "officer"):
        by_line.setdefault(item.line.index, []).append(item)
    officers: list[Officer] = []
    signatures = 0
    last_listed: list[int] = []  # positions in ``officers`` of the names on the last officer line
    for line in lines:
        listed: list[int] = []
        signed = 0  # names on signature lines (询问人（签名）：李明、王强)
        for item in by_line.get(line.index, []):
            role = re.sub(r"\s", "", item.label) or None
            for name, number in _entries(item, entry):
                listed.append(_add(officers, line, name, number, CONFIDENCE_LISTED, role))
                signed += item.signed
        matched = 0
        for m in SIGNATURE_RE.finditer(line.folded):
            matched += 1
            name = line.raw[m.start("name") : m.end("name")]
            listed.append(_add(officers, line, name, m.group("cert"), CONFIDENCE_SIGNATURE, m.group("role")))
        for m in LISTED_RE.finditer(line.folded):
            name = line.raw[m.start("name") : m.end("name")]
            listed.append(_add(officers, line, name, m.group("cert"), CONFIDENCE_LISTED, None))
        signatures += matched or signed
        head = cert_line.match(line.folded)
        if head is not None and not listed and _CERT_LIST.match(line.folded[head.end() :].strip()):
            _assign(officers, last_listed, line, re.findall(r"\d{6,20}", line.folded[head.end() :]))
        if listed:
            last_listed = list(dict.fromkeys(listed))
    return officers, signatures


def _entries(item: Labelled, entry: re.Pattern[str]) -> list[tuple[str, str | None]]:
    """Names (with certificates) at the start of a labelled value, up to anything that is not a name."""
    text = fold(item.value)
    out: list[tuple[str, str | None]] = []
    at = 0
    while at < len(text):
        while at < len(text) and re.match(_SEP, text[at]):
            at += 1
        m = entry.match(text, at)
        if m is None:
            break
        out.append((item.value[m.start("name") : m.end("name")], m.group("cert")))
        at = m.end()
    return out


def _add(
    officers: list[Officer], line: Line, name: str, cert: str | None, base: float, role: str | None
) -> int:
    """Position of the officer ``name`` (or ``cert``) in ``officers``, added or completed."""
    for k, known in enumerate(officers):
        same_cert = cert is not None and known.certificate is not None and known.certificate.value == cert
        if known.name.value == name or same_cert:
            if known.certificate is None and cert is not None:
                officers[k] = Officer(known.name, Found(cert, line, base), known.role or role)
            return k
    officers.append(Officer(Found(name, line, base), None if cert is None else Found(cert, line, base), role))
    return len(officers) - 1


def _assign(officers: list[Officer], listed: list[int], line: Line, certs: list[str]) -> None:
    """Certificates printed on their own line, in the order of the names on the officer line above."""
    waiting = [k for k in listed if officers[k].certificate is None]
    if len(waiting) != len(certs):
        return  # which number belongs to whom is not certain
    for k, cert in zip(waiting, certs, strict=True):
        known = officers[k]
        officers[k] = Officer(known.name, Found(cert, line, CONFIDENCE_LISTED), known.role)
