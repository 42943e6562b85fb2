"""Questionnaire results: submit once, read back, compare with the baseline, remind.

Scoring itself is `journal.mood.scoring`; this module stores what it returns.
Every result is its own record (own DEK) so one result and its safety flag can be
shared: one at a time from its page, or all of them as the "questionnaire results"
category (new ones are sealed for the therapist as they are stored). Instrument,
answers, total, band and the flag are sealed; only `taken_at` is in clear. So
reading "which instrument" means opening the record: results are few (one every
couple of weeks), and each page opens each one once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from flask_babel import gettext
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from journal.accounts import audit
from journal.care import shareable, sharing
from journal.core import records
from journal.core.database import built_once
from journal.core.extensions import db
from journal.core.integrity import openable
from journal.core.translatable import N_, language
from journal.models.measures import MeasureResult
from journal.models.types import utcnow
from journal.models.users import User
from journal.mood import scoring
from journal.mood.scoring import Change, Instrument
from journal.your_data import export

TABLE: Final = "measure_results"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultView:
    id: uuid.UUID
    instrument_id: str
    instrument_version: str
    taken_at: datetime
    answers: dict[int, int]
    supplementary: dict[str, int]
    total: int
    max_total: int
    band: str
    safety_flag: bool
    language: str = "en"
    """The language the questions were worded in when answered."""

    @property
    def instrument(self) -> Instrument:
        return scoring.get_instrument(self.instrument_id)


@dataclass(frozen=True)
class Due:
    instrument: Instrument
    last_taken: datetime | None
    # Why: PERIODIC and/or BEFORE (see `why_due`).
    reasons: frozenset[str] = frozenset()

    @property
    def baseline(self) -> bool:
        return self.last_taken is None

    @property
    def only_before_session(self) -> bool:
        """Due because a session is near, though the interval has not passed."""
        return self.reasons == {BEFORE}

    @property
    def topic(self) -> str:
        return self.instrument.topic


def reminded_ids() -> tuple[str, ...]:
    """The questionnaires offered on Home and by reminders when due (their content
    file says `"reminded": true`); the others are taken when the patient chooses."""
    return tuple(i.id for i in scoring.instruments() if i.reminded)


# Called once a flagged result is stored: (patient, data key, result id, instrument id,
# when). `journal.wiring` connects the safety-signal notice to a therapist.
FlagHook = Callable[[User, bytes, uuid.UUID, str, datetime], None]
_flag_hooks: list[FlagHook] = []


def register_flag_hook(hook: FlagHook) -> None:
    if hook not in _flag_hooks:
        _flag_hooks.append(hook)


def _flagged(user: User, udk: bytes, result: MeasureResult, instrument_id: str) -> None:
    """Tell the hooks of a result stored with its safety flag raised. A failing hook
    is logged and never keeps the patient from their result or the crisis card."""
    for hook in _flag_hooks:
        try:
            hook(user, udk, result.id, instrument_id, result.taken_at)
        except Exception:
            db.session.rollback()
            log.exception("a safety-flag hook failed for result %s", result.id)


def submit(
    user: User,
    udk: bytes,
    instrument_id: str,
    answers: Mapping[int, int],
    supplementary: Mapping[str, int],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
    *,
    early: bool = False,
    language: str = "en",
) -> MeasureResult:
    """Score and store a completed questionnaire, once per idempotency key.

    Raises scoring's `IncompleteAnswers` / `InvalidAnswer` before anything is
    stored. A second submit with the same key returns the first result unchanged,
    except a result stored early (`early=True`: every item answered and the safety
    item positive, before the optional questions): the questionnaire's own finish
    amends that one (its optional answers, and any answer changed on the way back).
    `language` is the one the questions were worded in (an official translation, or
    English): the answers mean the same in either, and the result says which.
    """
    existing = _by_key(user, idempotency_key)
    if existing is not None:
        if not early:
            _amend_early(existing, udk, instrument_id, answers, supplementary)
        return existing
    result_score = scoring.score(instrument_id, answers)
    instrument = scoring.get_instrument(instrument_id)
    extra = _checked_supplementary(instrument, supplementary)
    moment = now or utcnow()
    # Whether this is the patient's own baseline travels with the result, so a
    # therapist who sees only some results can tell a true baseline from the first
    # one shared with them.
    first_of_instrument = not any(
        r.instrument_id == instrument.id and r.taken_at <= moment for r in results_of(user, udk)
    )
    result = MeasureResult(
        id=uuid.uuid4(),
        user_id=user.id,
        revision=0,
        taken_at=moment,
        created_at=moment,
        updated_at=moment,
        idempotency_key=idempotency_key,
    )
    records.seal_payload(
        udk,
        TABLE,
        result,
        {
            "instrument": instrument.id,
            "instrument_version": result_score.instrument_version,
            "answers": {str(n): v for n, v in sorted(answers.items())},
            "supplementary": extra,
            "total": result_score.total,
            "max_total": result_score.max_total,
            "band": result_score.band.label,
            "safety_flag": result_score.safety_positive,
            "first_of_instrument": first_of_instrument,
            "language": language,
            **({"early": True} if early else {}),
        },
    )
    db.session.add(result)
    # Ids only: which instrument was taken is itself health information.
    audit.record(user.id, "measure.submitted", str(result.id))
    try:
        db.session.flush()
        sharing.seal_for_standing_shares(user, udk, TABLE, result)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raced = _by_key(user, idempotency_key)
        if raced is None:
            raise
        return raced
    if result_score.safety_positive:
        _flagged(user, udk, result, instrument.id)
    return result


def _amend_early(
    result: MeasureResult,
    udk: bytes,
    instrument_id: str,
    answers: Mapping[int, int],
    supplementary: Mapping[str, int],
) -> None:
    """The finish of a questionnaire whose result was stored the moment its safety
    item was answered: write its final answers into that same result (same record,
    same shares). A safety flag, once raised, stays: it may have been seen already."""
    data = records.open_payload(udk, TABLE, result)
    if not data.get("early") or data["instrument"] != instrument_id:
        return
    result_score = scoring.score(instrument_id, answers)
    extra = _checked_supplementary(scoring.get_instrument(instrument_id), supplementary)
    data.pop("early")
    data.update(
        answers={str(n): v for n, v in sorted(answers.items())},
        supplementary=extra,
        total=result_score.total,
        band=result_score.band.label,
        safety_flag=bool(data["safety_flag"]) or result_score.safety_positive,
    )
    result.updated_at = utcnow()
    records.seal_payload(udk, TABLE, result, data)
    db.session.commit()


def _by_key(user: User, key: uuid.UUID) -> MeasureResult | None:
    found: MeasureResult | None = db.session.scalar(
        select(MeasureResult).where(
            MeasureResult.user_id == user.id, MeasureResult.idempotency_key == key
        )
    )
    return found


def _checked_supplementary(instrument: Instrument, given: Mapping[str, int]) -> dict[str, int]:
    kept: dict[str, int] = {}
    for question in instrument.supplementary_questions:
        value = given.get(question.id)
        if value is None:
            continue
        if value not in {o.value for o in question.options}:
            raise scoring.InvalidAnswer(
                "That question needs one of the answers shown.", item_number=question.id
            )
        kept[question.id] = value
    return kept


def read_result(result: MeasureResult, udk: bytes) -> ResultView:
    data = records.open_payload(udk, TABLE, result)
    return ResultView(
        id=result.id,
        instrument_id=str(data["instrument"]),
        instrument_version=str(data["instrument_version"]),
        taken_at=result.taken_at,
        answers={int(n): int(v) for n, v in data["answers"].items()},
        supplementary={str(k): int(v) for k, v in data["supplementary"].items()},
        total=int(data["total"]),
        max_total=int(data["max_total"]),
        band=str(data["band"]),
        safety_flag=bool(data["safety_flag"]),
        language=str(data.get("language", "en")),
    )


def results_of(user: User, udk: bytes) -> list[ResultView]:
    """Every result of the user, oldest first, each opened once."""
    rows = db.session.scalars(
        select(MeasureResult)
        .where(MeasureResult.user_id == user.id)
        .order_by(MeasureResult.taken_at, MeasureResult.id)
    ).all()
    return openable(rows, lambda row: read_result(row, udk), TABLE)


# Results before a chart's range loaded at first to find the baselines (the oldest);
# more only when an instrument's first result is not among them.
BASELINE_ROWS: Final = 8


@built_once
def _since_statement() -> Select[MeasureResult]:
    """`user_id`'s results taken at or after `since`, and the oldest few before it."""
    mine = MeasureResult.user_id == bindparam("user_id")
    oldest = (
        select(MeasureResult.id)
        .where(mine, MeasureResult.taken_at < bindparam("since"))
        .order_by(MeasureResult.taken_at, MeasureResult.id)
        .limit(BASELINE_ROWS)
    )
    return (
        select(MeasureResult)
        .where(
            mine,
            or_(MeasureResult.taken_at >= bindparam("since"), MeasureResult.id.in_(oldest)),
        )
        .order_by(MeasureResult.taken_at, MeasureResult.id)
    )


def results_since(user: User, udk: bytes, since: datetime) -> list[ResultView]:
    """The results a chart of a range needs, oldest first: every one taken at or
    after `since`, and before it only the first result of each instrument taken
    since (its baseline, with which every later total is compared). Years of
    results before the range then cost a few opens instead of one each, so a
    five-year patient's charts cost what a one-year one's do (issue 19)."""
    mine = MeasureResult.user_id == user.id
    rows = db.session.scalars(_since_statement(), {"user_id": user.id, "since": since}).all()

    def read(row: MeasureResult) -> ResultView:
        return read_result(row, udk)

    older = [r for r in rows if r.taken_at < since]
    recent = openable([r for r in rows if r.taken_at >= since], read, TABLE)
    wanted = {view.instrument_id for view in recent}
    baselines = _firsts(wanted, older, read)
    if wanted and len(older) >= BASELINE_ROWS:
        # An instrument first taken before the range but not among the oldest rows
        # read (or first taken within the range): read on through the rest.
        seen = {r.id for r in rows}
        rest = db.session.scalars(
            select(MeasureResult)
            .where(mine, MeasureResult.taken_at < since, MeasureResult.id.not_in(seen))
            .order_by(MeasureResult.taken_at, MeasureResult.id)
        ).all()
        baselines += _firsts(wanted, rest, read)
    return sorted(baselines + recent, key=lambda view: (view.taken_at, str(view.id)))


def _firsts(
    wanted: set[str], rows: Sequence[MeasureResult], read: Callable[[MeasureResult], ResultView]
) -> list[ResultView]:
    """Open `rows` (oldest first) until each wanted instrument's first is found; what
    was found is taken out of `wanted`."""
    found = []
    for row in rows:
        if not wanted:
            break
        for view in openable([row], read, TABLE):
            if view.instrument_id in wanted:
                wanted.discard(view.instrument_id)
                found.append(view)
    return found


LATEST_FIRST_ROWS: Final = 8


def _by_newest() -> Select[MeasureResult]:
    return (
        select(MeasureResult)
        .where(MeasureResult.user_id == bindparam("user_id"))
        .order_by(MeasureResult.taken_at.desc(), MeasureResult.id.desc())
    )


@built_once
def _newest_statement() -> Select[MeasureResult]:
    """`user_id`'s newest few results."""
    return _by_newest().limit(LATEST_FIRST_ROWS)


@built_once
def _older_statement() -> Select[MeasureResult]:
    """`user_id`'s results after the newest few, newest first."""
    return _by_newest().offset(LATEST_FIRST_ROWS)


def latest_results(user: User, udk: bytes, instrument_ids: Iterable[str]) -> list[ResultView]:
    """The newest result of each of these instruments, opening results newest first
    only until each is found: Home needs no more, and years of results then cost
    nothing to decrypt. (An instrument never taken still means opening them all.)"""
    wanted = set(instrument_ids)
    found: list[ResultView] = []
    mine = {"user_id": user.id}

    # The newest few first (usually each instrument's latest is among them), the rest
    # only when one is missing: loading years of rows was most of the cost.
    def newest_first() -> Iterator[MeasureResult]:
        first = list(db.session.scalars(_newest_statement(), mine))
        yield from first
        if len(first) == LATEST_FIRST_ROWS:
            yield from db.session.scalars(_older_statement(), mine)

    for row in newest_first():
        opened = openable([row], lambda r: read_result(r, udk), TABLE)
        if not opened:
            continue
        view = opened[0]
        if view.instrument_id in wanted:
            wanted.discard(view.instrument_id)
            found.append(view)
            if not wanted:
                break
    return found


def of_instrument(results: Sequence[ResultView], instrument_id: str) -> list[ResultView]:
    return [r for r in results if r.instrument_id == instrument_id]


def baseline(results: Sequence[ResultView], instrument_id: str) -> ResultView | None:
    """The first result of that instrument is the baseline every later one is compared with."""
    mine = of_instrument(results, instrument_id)
    return mine[0] if mine else None


def change_for(result: ResultView, results: Sequence[ResultView]) -> Change | None:
    """None for the baseline itself (there is nothing earlier to compare with)."""
    base = baseline(results, result.instrument_id)
    if base is None or base.id == result.id:
        return None
    return scoring.change_from_baseline(base.total, result.total, result.instrument_id)


def latest(results: Sequence[ResultView], instrument_id: str) -> ResultView | None:
    mine = of_instrument(results, instrument_id)
    return mine[-1] if mine else None


# Why a questionnaire is due (`why_due`).
PERIODIC: Final = "periodic"
BEFORE: Final = "before session"
# Before an appointment: a result from the last few days counts as "before" it.
BEFORE_SESSION = timedelta(days=3)


def due(
    results: Sequence[ResultView],
    now: datetime,
    interval_days: int,
    next_session_at: datetime | None = None,
    *,
    respect_window: bool = True,
) -> list[Due]:
    """PHQ-9 and GAD-7 are due at baseline (never taken), every `interval_days`, and
    before each dosing session: within three days of a planned session, unless one
    was taken in those three days. Never sooner than the period the instrument asks
    about (its `window_days`: two weeks for both), unless `respect_window` is off."""
    owed: list[Due] = []
    for instrument_id in reminded_ids():
        last = latest(results, instrument_id)
        last_taken = None if last is None else last.taken_at
        window = scoring.get_instrument(instrument_id).window_days if respect_window else 0
        reasons = why_due(last_taken, now, interval_days, next_session_at, window)
        if reasons:
            owed.append(Due(scoring.get_instrument(instrument_id), last_taken, reasons))
    return owed


def shortest_window() -> int:
    """The shortest period any reminded questionnaire asks about (the reminder knows
    only when the last questionnaire of any kind was taken, nothing opened)."""
    return min((scoring.get_instrument(i).window_days for i in reminded_ids()), default=0)


def why_due(
    last_taken: datetime | None,
    now: datetime,
    interval_days: int,
    next_session_at: datetime | None = None,
    window_days: int = 0,
) -> frozenset[str]:
    """Why a questionnaire last taken at `last_taken` (None: never) is due now:
    PERIODIC (never taken, or `interval_days` ago or more), BEFORE (a session is
    planned within three days and it was not taken in the three days before it),
    both, or neither (empty). Neither while the last one is younger than
    `window_days`, the period its questions ask about: a twice-weekly series does
    not make a two-week questionnaire due every few days."""
    reasons = set()
    if last_taken is not None and now - last_taken < timedelta(days=window_days):
        return frozenset()
    if last_taken is None or now - last_taken >= timedelta(days=interval_days):
        reasons.add(PERIODIC)
    if (
        next_session_at is not None
        and now <= next_session_at <= now + BEFORE_SESSION
        and (last_taken is None or last_taken < next_session_at - BEFORE_SESSION)
    ):
        reasons.add(BEFORE)
    return frozenset(reasons)


def last_taken_at(user: User) -> datetime | None:
    """When the user last finished any questionnaire: clear metadata, nothing opened."""
    found: datetime | None = db.session.scalar(
        select(MeasureResult.taken_at)
        .where(MeasureResult.user_id == user.id)
        .order_by(MeasureResult.taken_at.desc())
        .limit(1)
    )
    return found


def printed_results(
    user: User, udk: bytes, start: datetime, end: datetime
) -> list[export.PrintItem]:
    return [
        export.PrintItem(
            r.taken_at,
            r.instrument.short_name,
            [
                gettext(
                    "Total %(total)s of %(max)s: %(band)s",
                    total=r.total,
                    max=r.max_total,
                    band=gettext(r.band),
                )
            ],
        )
        for r in results_of(user, udk)
        if start <= r.taken_at < end
    ]


def export_results(user: User, udk: bytes) -> list[dict[str, object]]:
    """Each result, and each question with its answer in the questionnaire's words."""
    found: list[dict[str, object]] = []
    for r in results_of(user, udk):
        instrument = r.instrument
        labels = {o.value: o.label for o in instrument.answer_scale}
        found.append(
            {
                **export.plain(r),
                "name": instrument.short_name,
                "questions": [
                    {
                        "number": item.number,
                        "question": item.text,
                        "answer": labels.get(r.answers.get(item.number, -1), ""),
                    }
                    for item in instrument.items
                ],
            }
        )
    return found


# -- sharing with a therapist -----------------------------------------------------------


def shared_content(result: MeasureResult, data: Mapping[str, Any]) -> dict[str, Any]:
    """A result as its therapist sees it (and as the patient's preview shows it):
    the questionnaire's own wording beside each answer, the total and band, and the
    safety flag with the question and answer that raised it."""
    # In the reader's language where an official translation exists (the patient may
    # have answered in another): the answers are values, the words are the reader's.
    instrument = scoring.get_instrument(str(data["instrument"])).in_language(language())
    labels = {o.value: o.label for o in instrument.answer_scale}
    answers = {int(n): int(v) for n, v in data["answers"].items()}
    extra = {str(k): int(v) for k, v in data.get("supplementary", {}).items()}
    safety = instrument.safety_item
    safety_text = next((i.text for i in instrument.items if i.number == safety), "")
    return {
        "instrument": instrument.id,
        "short_name": instrument.short_name,
        "name": instrument.name,
        "instructions": instrument.instructions,
        "taken_at": result.taken_at,
        "total": int(data["total"]),
        "max_total": int(data["max_total"]),
        "band": str(data["band"]),
        "answers": [
            {
                "number": i.number,
                "text": i.text,
                "answer": labels.get(answers.get(i.number, -1), ""),
                "value": answers.get(i.number),
            }
            for i in instrument.items
        ],
        "supplementary": [
            {
                "id": q.id,
                "text": q.text,
                "answer": next((o.label for o in q.options if o.value == extra[q.id]), ""),
                "value": extra[q.id],
            }
            for q in instrument.supplementary_questions
            if q.id in extra
        ],
        "safety_flag": bool(data.get("safety_flag")),
        "safety_item": safety,
        "safety_question": safety_text,
        "safety_answer": labels.get(answers.get(safety, -1), "") if safety else "",
        # None for results stored before this was recorded: then nobody knows.
        "first_of_instrument": data.get("first_of_instrument"),
        "screening_note": instrument.screening_note,
        "language": str(data.get("language", "en")),
    }


def _open_shared(result: MeasureResult, dek: bytes) -> Mapping[str, Any]:
    return shared_content(result, records.open_payload_with_dek(dek, TABLE, result))


def _taken_at(result: MeasureResult) -> datetime:
    return result.taken_at


SHARE_ADAPTER = replace(
    shareable.payload_adapter(
        MeasureResult,
        TABLE,
        label=N_("Questionnaire result"),
        occurred_at=_taken_at,
        title_of=lambda content: f"{content['short_name']} result",
    ),
    open_with_dek=_open_shared,
)
CATEGORY: Final = "questionnaire-results"
SHARE_CATEGORY = shareable.Category(
    key=CATEGORY,
    label=N_("Questionnaire results"),
    description=N_(
        "Every PHQ-9, GAD-7 and PCL-5 you take: each answer, the total and its "
        "severity band. If you answer above 0 to PHQ-9 question 9 (thoughts of "
        "death or of hurting yourself), your therapist also sees a safety flag to "
        "acknowledge the next time they open Fresh Tracks."
    ),
    table=TABLE,
)
