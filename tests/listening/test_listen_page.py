"""listening.selectors.listen_page: the History page's keyset pages, every listen once, and a deep page
that PostgreSQL starts reading at the cursor (an index bound on played_at), not at the newest listen."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from listening.importers import ListenRow
from listening.models import Listen
from listening.selectors import listen_list, listen_page
from listening.store import listens_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2024, 5, 1, tzinfo=UTC)
LASTFM = "lastfm"


def store(user, count: int, *, ties: int = 1) -> None:
    """`count` plays, `ties` of them sharing each played_at (a scrobbler's batch with one timestamp)."""
    rows = [
        ListenRow(
            title=f"T{n}", artist="A", album="", played_at=START + timedelta(minutes=n // ties), source=LASTFM
        )
        for n in range(count)
    ]
    with transaction.atomic():
        listens_store(user_id=user.pk, rows=rows)


def walk(user, size: int) -> list[int]:
    ids, before = [], None
    while True:
        rows, more = listen_page(listen_list(user=user), before=before, size=size)
        ids += [row.pk for row in rows]
        if not more:
            return ids
        before = (rows[-1].played_at, rows[-1].pk)


def test_pages_walk_every_listen_once_newest_first_across_ties():
    user, other = UserFactory(), UserFactory()
    store(user, 95, ties=4)  # pages of 10 end inside groups of equal played_at
    store(other, 30)

    ids = walk(user, 10)

    newest_first = Listen.objects.filter(user=user).order_by("-played_at", "-id")
    expected = list(newest_first.values_list("id", flat=True))
    assert ids == expected
    assert len(ids) == 95


def _deep_cursor(user) -> tuple[datetime, int]:
    listen = Listen.objects.filter(user=user).order_by("-played_at", "-id")[150]
    return listen.played_at, listen.pk


def test_the_deep_page_query_bounds_played_at():
    """The OR alone (`played_at < p OR (played_at = p AND id < i)`) gives no bound an index can use."""
    user = UserFactory()
    store(user, 200)
    cursor = _deep_cursor(user)
    with CaptureQueriesContext(connection) as captured:
        listen_page(listen_list(user=user), before=cursor, size=10)

    (query,) = [q["sql"] for q in captured if 'FROM "listening_listen"' in q["sql"]]
    where = query.split(" WHERE ", 1)[1]
    assert '"listening_listen"."played_at" <= ' in where


def _scan(plan: dict) -> dict | None:
    if plan.get("Relation Name") == "listening_listen":
        return plan
    for child in plan.get("Plans", []):
        found = _scan(child)
        if found:
            return found
    return None


def test_postgresql_starts_the_deep_page_at_the_cursor_in_the_index():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN's Index Cond is PostgreSQL's; the SQL's bound is checked on every database")
    user = UserFactory()
    store(user, 600)
    rows = listen_list(user=user)
    played_at, listen_id = _deep_cursor(user)
    with CaptureQueriesContext(connection) as captured:
        listen_page(rows, before=(played_at, listen_id), size=50)
    (query,) = [q["sql"] for q in captured if 'FROM "listening_listen"' in q["sql"]]

    with connection.cursor() as cursor:
        # A small table: make the planner take the ordered index scan it takes on a real history.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    scan = _scan(plan[0]["Plan"])

    assert scan is not None
    assert scan["Index Name"] == "listen_user_recent"
    assert "played_at" in scan["Index Cond"], scan
    # Started at the cursor: it reads the page, the one row that says more follow and the cursor's
    # own row (played_at = p, removed by the OR), not the 150 newer listens before it.
    assert scan["Actual Rows"] == 51
    assert scan.get("Rows Removed by Filter", 0) <= 1, scan
