"""The service-quality score for dispatch rule (2), from follow-up ratings and complaints.

A Bayesian mean of the 1-5 ratings with a prior of 3 stars weighing 5 ratings (the same prior as the
registry's running `quality`), so one early 5-star rating does not outrank a long good record; each
complaint in a follow-up costs 0.5 star. The result stays within 0..5.
"""

from __future__ import annotations

from hub.db import Conn

PRIOR_STARS = 3.0
PRIOR_WEIGHT = 5
COMPLAINT_PENALTY = 0.5


def quality_score(conn: Conn, locksmith_id: str) -> float:
    row = conn.execute(
        "SELECT COALESCE(SUM(rating), 0), COUNT(rating), SUM(CASE WHEN outcome = 'complaint' THEN 1 ELSE 0 END)"
        " FROM followups WHERE locksmith_id=? AND status='done'", (locksmith_id,)).fetchone()
    total, count, complaints = float(row[0]), int(row[1]), int(row[2] or 0)
    mean = (total + PRIOR_STARS * PRIOR_WEIGHT) / (count + PRIOR_WEIGHT)
    return max(0.0, min(5.0, mean - COMPLAINT_PENALTY * complaints))
