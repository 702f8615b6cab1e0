"""Three-valued logic for review-rule conditions: when does an unknown fact leave a rule not checked?

SQL's NULL already behaves like "unknown" in ``AND``/``OR``/``NOT``, comparisons and arithmetic
(``FALSE AND NULL`` is FALSE: the rule fails whatever the unknown is), but ``CASE WHEN``, ``coalesce`` and
``IS NULL`` look at a NULL and carry on as if it were a value: ``CASE WHEN case_status NOT IN (…) THEN NULL
ELSE has_penalty_decision END`` takes the ELSE branch when the status is unknown. So the evaluator does not
trust the condition's verdict when a *required* input is NULL: :func:`unknown_sql` builds, next to the
condition, a boolean SQL expression that is TRUE when the verdict may depend on a required input that is
NULL. It is conservative (it may say "not checked" where a finer analysis could decide, never the reverse):

- a required fact: unknown when NULL; a guarded fact (the condition tests it for NULL, so its NULL has the
  meaning the author wrote), a literal or a setting: never unknown;
- ``a AND b``: unknown when an operand is, unless a *known* operand is FALSE (then it is FALSE whatever the
  unknown); ``OR`` alike with TRUE; ``NOT a``: as ``a``;
- ``CASE``/``IF``: unknown when a condition reached is unknown, else as the branch taken;
- ``coalesce(a, b, …)``: unknown when the argument reached is unknown;
- anything else (comparisons, arithmetic, functions, ``IN``, ``BETWEEN``…): unknown when any operand is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlglot import exp

_FALSE = exp.false()


def guarded_facts(ast: exp.Expr) -> set[str]:
    """Facts the condition tests for NULL itself: operands of IS [NOT] NULL / IS [NOT] DISTINCT FROM and
    direct arguments of coalesce(). A fact inside ``coalesce(a < b, FALSE)`` is not guarded: that coalesce
    says what an unknown *comparison* means, and the evaluator decides that an unknown fact is not checked."""
    out: set[str] = set()
    for node in ast.walk():
        if isinstance(node, exp.Is | exp.NullSafeEQ | exp.NullSafeNEQ):
            operands = [node.this, node.expression]
        elif isinstance(node, exp.Coalesce):
            operands = [node.this, *node.expressions]
        else:
            continue
        out |= {o.name.lower() for o in operands if isinstance(o, exp.Column)}
    return out


def _is_false(e: exp.Expr) -> bool:
    return isinstance(e, exp.Boolean) and not e.this


def _or(parts: Iterable[exp.Expr]) -> exp.Expr:
    kept = [p for p in parts if not _is_false(p)]
    if not kept:
        return _FALSE.copy()
    return exp.or_(*[exp.paren(p, copy=False) for p in kept], copy=False)


def _and(a: exp.Expr, b: exp.Expr) -> exp.Expr:
    if _is_false(a) or _is_false(b):
        return _FALSE.copy()
    return exp.and_(exp.paren(a), exp.paren(b), copy=False)


def _not(a: exp.Expr) -> exp.Expr:
    return exp.true() if _is_false(a) else exp.not_(exp.paren(a), copy=False)


def _known_is(operand: exp.Expr, value: bool, unknown: exp.Expr) -> exp.Expr:
    """``operand`` is known and equals ``value``."""
    test = exp.Is(this=exp.paren(operand.copy()), expression=exp.Boolean(this=value))
    return _and(test, _not(unknown))


class _Analysis:
    def __init__(self, required: Iterable[str]) -> None:
        self.required = {r.lower() for r in required}

    def any_required(self, node: exp.Expr) -> exp.Expr:
        """Unknown when any required fact under ``node`` is NULL (the conservative answer)."""
        return _or(self.unknown(c) for c in node.find_all(exp.Column))

    def case(self, branches: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None) -> exp.Expr:
        """Unknown when a condition reached is unknown, else as the branch taken (branches: condition,
        value)."""
        tail = self.unknown(default) if default is not None else _FALSE.copy()
        case, trivial = exp.Case(), _is_false(tail)
        for cond, value in branches:
            u_cond, u_value = self.unknown(cond), self.unknown(value)
            trivial = trivial and _is_false(u_cond) and _is_false(u_value)
            if not _is_false(u_cond):
                case = case.when(u_cond, exp.true())
            case = case.when(exp.paren(cond.copy()), u_value)
        return _FALSE.copy() if trivial else case.else_(tail)

    def unknown(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            if node.name.lower() in self.required:
                return exp.Is(this=node.copy(), expression=exp.Null())
            return _FALSE.copy()
        if isinstance(node, exp.Paren | exp.Not):
            return self.unknown(node.this)
        if isinstance(node, exp.And | exp.Or):
            a, b = node.this, node.expression
            ua, ub = self.unknown(a), self.unknown(b)
            if _is_false(ua) and _is_false(ub):
                return _FALSE.copy()
            decisive = isinstance(node, exp.Or)  # OR is settled by a known TRUE, AND by a known FALSE
            settled = _or([_known_is(a, decisive, ua), _known_is(b, decisive, ub)])
            return _and(_or([ua, ub]), _not(settled))
        if isinstance(node, exp.Case):
            if node.this is not None:  # CASE x WHEN v …: no three-valued shortcut
                return self.any_required(node)
            ifs = node.args.get("ifs") or []
            return self.case([(i.this, i.args["true"]) for i in ifs], node.args.get("default"))
        if isinstance(node, exp.If):
            return self.case([(node.this, node.args["true"])], node.args.get("false"))
        if isinstance(node, exp.Coalesce):
            args = [node.this, *node.expressions]
            reached = [(exp.Not(this=exp.Is(this=a.copy(), expression=exp.Null())), a) for a in args[:-1]]
            return self.case(reached, args[-1])
        return _or(self.unknown(child) for child in node.iter_expressions())


def unknown_sql(compiled: exp.Expr, required: Iterable[str]) -> exp.Expr:
    """Boolean expression, never NULL: the verdict of ``compiled`` may depend on a required fact that is NULL
    in the row. ``compiled`` has its settings already replaced by literals."""
    analysed = _Analysis(required).unknown(compiled)
    return _FALSE.copy() if _is_false(analysed) else exp.func("coalesce", analysed, exp.true())
