"""The pure core: majority voting, judgment rules, pay arithmetic, item files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.domain import itemfile
from assay.domain.pairwise import judgment_problems, majority
from assay.domain.pay import format_money, hourly_rate_cents, parse_money

votes = st.lists(st.sampled_from(["a", "b", "tie"]), max_size=15)


@given(votes)
def test_a_winner_has_strictly_more_votes_than_every_other_option(choices: list[str]) -> None:
    outcome = majority(choices)
    if outcome.winner is not None:
        others = [c for c in ("a", "b", "tie") if c != outcome.winner]
        assert all(outcome.votes[outcome.winner] > outcome.votes[o] for o in others)
        assert 0 < outcome.margin <= 1
    else:
        top = max(outcome.votes.values(), default=0)
        leaders = [c for c, n in outcome.votes.items() if n == top]
        assert top == 0 or "tie" in leaders or len(leaders) > 1


@given(votes)
def test_majority_ignores_order(choices: list[str]) -> None:
    assert majority(choices) == majority(sorted(choices))


def test_majority_examples() -> None:
    assert majority(["a", "a", "b"]).winner == "a"
    assert majority(["a", "b"]).winner is None
    assert majority(["tie", "tie", "a"]).winner is None
    assert majority(["b"]).winner == "b"


def test_judgment_rules() -> None:
    assert judgment_problems("a", 2, "A cites the right statute.") == {}
    assert judgment_problems("tie", None, "Both are equally correct.") == {}
    assert set(judgment_problems("x", 9, "")) == {"choice", "rationale"}
    assert set(judgment_problems("b", None, "B is correct here.")) == {"strength"}
    assert set(judgment_problems("tie", 1, "Both are equally correct.")) == {"strength"}
    assert set(judgment_problems("a", 1, "x" * 2001)) == {"rationale"}


@given(st.integers(1, 100_000), st.integers(1, 480))
def test_hourly_rate_never_overstates_pay(pay: int, minutes: int) -> None:
    rate = hourly_rate_cents(pay, minutes)
    assert rate * minutes <= pay * 60 < (rate + 1) * minutes


@given(st.integers(0, 10**9))
def test_money_round_trips(cents: int) -> None:
    text = format_money(cents, "XYZ").split()[0]
    assert parse_money(text) == cents


@pytest.mark.parametrize("bad", ["", "abc", "1.234", "-1", "1.2.3", "1e3"])
def test_parse_money_rejects_nonsense(bad: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_money(bad)


safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s)
rows = st.lists(st.tuples(safe_text, safe_text, safe_text), min_size=1, max_size=8)


@given(rows)
def test_jsonl_and_csv_read_back_what_was_written(data: list[tuple[str, str, str]]) -> None:
    records = [
        {"id": f"id-{n}", "prompt": p, "response_a": a, "response_b": b}
        for n, (p, a, b) in enumerate(data)
    ]
    as_jsonl = "".join(json.dumps(r) + "\n" for r in records).encode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "prompt", "response_a", "response_b"])
    writer.writeheader()
    writer.writerows(records)
    for fmt, raw in (("jsonl", as_jsonl), ("csv", buffer.getvalue().encode())):
        read = list(itemfile.read_rows(io.BytesIO(raw), fmt))  # type: ignore[arg-type]
        assert all(isinstance(r, itemfile.ItemRow) for r in read), read
        assert [(r.external_id, r.prompt, r.response_a, r.response_b) for r in read] == [  # type: ignore[union-attr]
            (r["id"], r["prompt"], r["response_a"], r["response_b"]) for r in records
        ]


def test_format_for_knows_the_extensions() -> None:
    assert itemfile.format_for("X.JSONL") == "jsonl"
    assert itemfile.format_for("a.ndjson") == "jsonl"
    assert itemfile.format_for("a.csv") == "csv"
    assert itemfile.format_for("a.json") is None
