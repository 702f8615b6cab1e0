"""Review-rule conditions: one definition, evaluated the same way for one dossier (API) or many (warehouse).

A rule's ``condition`` is a boolean SQL expression (DuckDB dialect, restricted subset) over the columns of a
one-row-per-case *dossier facts* table. TRUE = the dossier passes, FALSE = it fails, NULL = the rule does not
apply. ``setting('key')`` reads a threshold from reference data.

Three-valued logic is the evaluator's job, not each author's: a rule's *inputs* are the facts its condition
reads, and those it does not test for NULL itself (``IS [NOT] NULL``, ``IS [NOT] DISTINCT FROM``,
``coalesce(fact, …)``) are *required*. When the verdict may depend on a required input that is NULL (nobody
could tell it), the outcome is ``not_checked`` with the unknown facts as its reason, whatever the condition
would say (:mod:`zhifa.rule_logic`) — so ``CASE WHEN case_status NOT IN (…) THEN NULL ELSE … END`` cannot
fail a dossier whose status is unknown, while ``has_prior_notice AND prior_notice_date < decision_date``
still fails a dossier without the notice, whatever its unknown date. The vocabulary is documented in
docs/review-rules.md; :data:`BASE_FACTS` is its machine-readable form (plus ``has_<doc_type>`` per
document type).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from zhifa.rule_logic import guarded_facts
from zhifa.settings import get_settings

DIALECT = "duckdb"

# name -> DuckDB type. Dates are DATE; *_days are whole days unless the name says working days/hours.
BASE_FACTS: dict[str, str] = {
    # identity
    "case_id": "VARCHAR",
    "province_code": "VARCHAR",
    "unit_code": "VARCHAR",
    "violation_code": "VARCHAR",
    "case_status": "VARCHAR",
    "case_source": "VARCHAR",
    # subject and officers
    "n_officers": "INTEGER",
    "n_officers_certified": "INTEGER",
    "n_inquiry_officers_min": "INTEGER",
    "party_values_distinct": "INTEGER",
    "licence_division_matches_unit": "BOOLEAN",
    # cause (案由)
    "cause": "VARCHAR",
    "cause_values_distinct": "INTEGER",
    # dates
    "discovered_date": "DATE",
    "report_date": "DATE",
    "inspection_date": "DATE",
    "filing_date": "DATE",
    "preservation_date": "DATE",
    "preservation_approval_date": "DATE",
    "preservation_handling_date": "DATE",
    "handler_opinion_date": "DATE",
    "dept_opinion_date": "DATE",
    "head_opinion_date": "DATE",
    "legal_review_date": "DATE",
    "head_approval_date": "DATE",
    "hearing_notice_date": "DATE",
    "prior_notice_date": "DATE",
    "decision_date": "DATE",
    "decision_service_date": "DATE",
    "publication_date": "DATE",
    "closing_date": "DATE",
    "archive_date": "DATE",
    # durations (computed by the facts builder: working days need a calendar)
    "filed_days_after_discovery": "INTEGER",
    "preservation_handling_days": "INTEGER",
    "decision_days_after_filing": "INTEGER",
    "service_days_after_decision": "INTEGER",
    "publication_working_days": "INTEGER",
    "extension_days": "INTEGER",
    "video_upload_hours_max": "DOUBLE",
    # procedure flags
    "preserved": "BOOLEAN",
    "hearing_requested": "BOOLEAN",
    "hearing_held": "BOOLEAN",
    "transferred_to": "VARCHAR",
    "must_transfer_to": "VARCHAR",
    "prior_offences_3y": "INTEGER",
    "ownerless": "BOOLEAN",
    "ownerless_disposal": "VARCHAR",
    "ownerless_days": "INTEGER",
    # amounts and discretion
    "base_amount": "DOUBLE",
    "fine_amount": "DOUBLE",
    "illegal_gains": "DOUBLE",
    "sticks_total": "DOUBLE",
    "statutory_min_amount": "DOUBLE",
    "statutory_max_amount": "DOUBLE",
    "chosen_tier": "INTEGER",
    "benchmark_tier": "INTEGER",
    "tier_rate_min": "DOUBLE",
    "tier_rate_max": "DOUBLE",
    "has_deviation_reason": "BOOLEAN",
    "deviation_approved": "BOOLEAN",
    # valuation table (核价表)
    "valuation_line_nos_consecutive": "BOOLEAN",
    "valuation_items_match_preservation": "BOOLEAN",
    "valuation_prices_match_catalog": "BOOLEAN",
    "valuation_subtotals_ok": "BOOLEAN",
    "valuation_signatures": "INTEGER",
    # dossier form and documents
    "cover_no": "VARCHAR",
    "retention": "VARCHAR",
    "documents_in_order": "BOOLEAN",
    "pages_numbered": "BOOLEAN",
    "doc_numbers_ok": "BOOLEAN",
    "service_receipts_missing": "INTEGER",
    "decision_states_remedies": "BOOLEAN",
    "decision_states_payment_terms": "BOOLEAN",
    "decision_cites_legal_basis": "BOOLEAN",
}

# Facts no warehouse source records (no opinion dates, hearing requests, ownerless goods or page checks in
# the bulk contract): NULL in every row of int_dossier_facts, so rules needing them are "not checked" there.
# Declared here, with the vocabulary, so that a fact missing from the SQL is a decision, not an accident.
WAREHOUSE_UNKNOWN_FACTS = frozenset(
    {
        "handler_opinion_date",
        "dept_opinion_date",
        "head_opinion_date",
        "hearing_requested",
        "ownerless",
        "ownerless_disposal",
        "ownerless_days",
        "documents_in_order",
        "pages_numbered",
    }
)
# Columns of int_dossier_facts that are no rule facts (a condition cannot name them): the case's settings
# version and two inputs of the risk signals (marts.fct_case_risk_signals).
WAREHOUSE_EXTRA_COLUMNS = frozenset({"settings_version", "uncertified_officers", "has_inspection_video"})

_ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Tuple,
    exp.And,
    exp.Or,
    exp.Not,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Case,
    exp.If,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Neg,
    exp.DPipe,
    exp.Like,
    exp.ILike,
    exp.Cast,
    exp.DataType,
)
_ALLOWED_FUNCS: dict[type[exp.Expression], str] = {
    exp.Coalesce: "coalesce",
    exp.Length: "length",
    exp.RegexpLike: "regexp_matches",
    exp.StartsWith: "starts_with",
    exp.DateDiff: "date_diff",
    exp.Abs: "abs",
    exp.Least: "least",
    exp.Greatest: "greatest",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "trim",
}
SETTING_FUNC = "setting"


class RuleConditionError(ValueError):
    """A rule condition outside the allowed language; the message is bilingual and names the token."""


@dataclass(frozen=True)
class ValidatedCondition:
    expr: str
    ast: exp.Expr
    facts_used: frozenset[str]
    settings_used: frozenset[str]
    # facts the condition tests for NULL itself: their NULL means what the condition says; every other fact
    # used is a required input (NULL → not_checked)
    facts_guarded: frozenset[str] = frozenset()

    @property
    def facts_required(self) -> frozenset[str]:
        return self.facts_used - self.facts_guarded


def facts_vocabulary(doc_types: Iterable[str]) -> dict[str, str]:
    """The full facts vocabulary: :data:`BASE_FACTS` plus ``has_<doc_type>`` (BOOLEAN) per document type."""
    vocab = dict(BASE_FACTS)
    vocab.update({f"has_{d}": "BOOLEAN" for d in doc_types})
    return vocab


def default_vocabulary() -> dict[str, str]:
    """Vocabulary with the document types of the built-in reference data."""
    from zhifa.reference import load_reference  # lazy: reference imports nothing from here at load time

    return facts_vocabulary(load_reference().document_types["doc_type"])


def _error(zh: str, en: str, token: str) -> RuleConditionError:
    return RuleConditionError(f"{zh}：{token} / {en}: {token}")


def _depth(tokens: Iterable[Token]) -> int:
    depth = deepest = 0
    for t in tokens:
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(t.token_type, 0)
        deepest = max(deepest, depth)
    return deepest


def validate_condition(expr: str, facts: Mapping[str, str]) -> ValidatedCondition:
    """Parse ``expr`` and check every node against the whitelist, else raise :class:`RuleConditionError`.

    Length and parenthesis depth (``ZHIFA_RULE_CONDITION_MAX_CHARS`` / ``_MAX_DEPTH``) are checked on the
    tokens before parsing: the parser recurses once per level."""
    if not expr or not expr.strip():
        raise _error("规则条件为空", "empty rule condition", repr(expr))
    limits = get_settings()
    max_chars, max_depth = limits.rule_condition_max_chars, limits.rule_condition_max_depth
    if len(expr) > max_chars:
        raise _error("规则条件过长", f"rule condition longer than {max_chars} characters", str(len(expr)))
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(expr)
    except TokenError as e:
        raise _error("规则条件无法解析", "cannot tokenize rule condition", str(e)) from e
    if any(t.token_type == TokenType.SEMICOLON for t in tokens):
        raise _error(
            "规则条件不允许使用分号（多条语句）", "semicolon (multiple statements) not allowed", "';'"
        )
    if (depth := _depth(tokens)) > max_depth:
        zh, en = f"规则条件括号嵌套过深（最多 {max_depth} 层）", f"parentheses nested deeper than {max_depth}"
        raise _error(zh, en, str(depth))
    try:
        ast = sqlglot.parse_one(expr, read=DIALECT)
    except ParseError as e:
        raise _error("规则条件无法解析", "cannot parse rule condition", str(e).splitlines()[0]) from e
    except RecursionError as e:  # nesting without parentheses (NOT NOT NOT …) is not counted above
        raise _error("规则条件嵌套过深", "rule condition nested too deeply", str(len(expr))) from e
    known = {k.lower() for k in facts}
    used_facts: set[str] = set()
    used_settings: set[str] = set()
    for node in ast.walk():
        if isinstance(node, exp.Anonymous):
            name = str(node.name).lower()
            if name != SETTING_FUNC:
                raise _error("规则条件不允许使用函数", "function not allowed in rule condition", name)
            args = node.expressions
            if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                raise _error(
                    "setting() 只接受一个字符串参数", "setting() takes exactly one string literal", node.sql()
                )
            used_settings.add(args[0].this)
        elif isinstance(node, exp.Column):
            if node.table or node.args.get("db") or node.args.get("catalog"):
                raise _error("规则条件不允许使用限定列名", "qualified column name not allowed", node.sql())
            if isinstance(node.this, exp.Star):
                raise _error("规则条件不允许使用 *", "star not allowed", "*")
            name = node.name.lower()
            if name not in known:
                raise _error("规则条件引用了未知的案卷事实", "unknown dossier fact in rule condition", name)
            used_facts.add(name)
        elif isinstance(node, _ALLOWED_NODES) or type(node) in _ALLOWED_FUNCS:
            continue
        elif isinstance(node, exp.Var) and isinstance(node.parent, exp.DateDiff):
            continue  # the unit of date_diff('day', a, b)
        elif isinstance(node, exp.Func):
            raise _error(
                "规则条件不允许使用函数", "function not allowed in rule condition", node.sql_name().lower()
            )
        else:
            raise _error(
                f"规则条件不允许使用该语法（{type(node).__name__}）",
                f"syntax not allowed in rule condition ({type(node).__name__})",
                node.sql(dialect=DIALECT)[:80],
            )
    guarded = frozenset(guarded_facts(ast)) & used_facts
    return ValidatedCondition(expr, ast, frozenset(used_facts), frozenset(used_settings), guarded)


def _literal(value: float | str) -> exp.Expression:
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, bool) or not math.isfinite(float(value)):
        raise RuleConditionError(f"设置值无效 / invalid setting value: {value!r}")
    number = float(value)
    return exp.Literal.number(int(number) if number.is_integer() else repr(number))


def compile_condition(validated: ValidatedCondition, settings: Mapping[str, float | str]) -> str:
    """SQL for ``SELECT … FROM dossier_facts`` with every ``setting('k')`` replaced by its literal value."""
    return f"({compiled_ast(validated, settings).sql(dialect=DIALECT)})"


def compiled_ast(validated: ValidatedCondition, settings: Mapping[str, float | str]) -> exp.Expression:

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.name).lower() == SETTING_FUNC:
            key = node.expressions[0].this
            if key not in settings:
                raise _error("规则条件引用了未知的设置项", "unknown setting in rule condition", key)
            return _literal(settings[key])
        return node

    return validated.ast.copy().transform(substitute)
