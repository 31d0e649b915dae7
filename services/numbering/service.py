"""Numbering an issued document by its 文种 family (DOMAIN.md §2.3, §2.5), and the admin's settings of each
sequence: an organ's 令 and meeting series (name, restart yearly or not) and, when the office goes live, the
next number of a sequence — never below one already issued, and audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search.analysis import DocNumber
from services.access import require_role
from services.accounts.service import OrganService
from services.audit.service import AuditService
from services.context import Context
from services.domain.enums import SERIES_FAMILIES, NumberFamily, Role, number_family
from services.domain.models import Document, NumberSeries, Organ, User
from services.errors import Conflict, Invalid, not_found
from services.numbering import allocator
from services.numbering.repository import NumberingRepository

MAX_NEXT = 999_999
YEARS = (1949, 2200)  # the years a sequence may be set for
MAX_SERIES_NAME = 100


@dataclass(frozen=True)
class SequenceView:
    """One sequence of an organ as the admin sees it: what it is called, its last number issued and the next."""

    family: NumberFamily
    label: str  # 广卫发 / 扎兰屯市人民政府令 / …常务会议纪要
    year: int | None  # None: runs on across years
    highest_issued: int
    next_number: int
    prefix_id: int | None = None
    series_id: int | None = None
    restart_yearly: bool = True


class NumberingService:
    def __init__(
        self,
        ctx: Context,
        audit: AuditService | None = None,
        repo: NumberingRepository | None = None,
        organs: OrganService | None = None,
    ) -> None:
        self.ctx = ctx
        self.audit = audit or AuditService(ctx)
        self.repo = repo or NumberingRepository(ctx.session)
        self.organs = organs or OrganService(ctx, audit=self.audit)

    # -- issuing --------------------------------------------------------------------------------------------

    def number(self, document: Document, prefix: str | None) -> str:
        """Give the document the next number of its family (the caller holds the document's row lock):
        the 发文字号 of ``prefix`` for the 成文日期's year, or the next 令号 / 期号 of the lead organ's series."""
        assert document.written_on is not None
        year = document.written_on.year
        family = number_family(document.doc_type)
        if family is NumberFamily.document:
            assert prefix is not None
            number = DocNumber(prefix, year, self.repo.next_seq(family, prefix, year))
            document.doc_number, document.doc_prefix, document.doc_seq = str(number), prefix, number.seq
        else:
            series = self.series_for(document.lead_organ, family, document.title)
            seq = self.repo.next_seq(family, str(series.id), _counter_year(series, year))
            document.doc_number, document.doc_prefix, document.doc_seq = series_number(series, year, seq), None, seq
            document.series_id = series.id
        document.doc_year = year
        return document.doc_number

    def series_for(self, organ: Organ, family: NumberFamily, title: str) -> NumberSeries:
        """The organ's series for a 令 or 纪要. A 令: the organ's 令 series (its first). A 纪要: the meeting series its
        title names (常务会议纪要), else the organ's general one. Made on first use when missing: “全称＋令”, on
        across years; “全称＋纪要”, restarting yearly (DOMAIN.md §2.5)."""
        found = self.series_of(organ.id, family)
        if family is NumberFamily.order and found:
            return found[0]
        named = [s for s in found if _short(s, organ) in title]
        if named:
            return max(named, key=lambda s: len(_short(s, organ)))
        return self._usual_series(organ, family)

    def _usual_series(self, organ: Organ, family: NumberFamily) -> NumberSeries:
        """Made once even when two issuers of the organ ask at the same moment (the name is unique)."""
        name = f"{organ.name}{'令' if family is NumberFamily.order else '纪要'}"
        return self.repo.ensure_series(organ.id, family, name, self.ctx.now())

    def series_of(self, organ_id: int, family: NumberFamily | None = None) -> list[NumberSeries]:
        return self.repo.series_of(organ_id, family)

    # -- the admin's settings -------------------------------------------------------------------------------

    def sequences(self, actor: User, organ_id: int, year: int) -> list[SequenceView]:
        """Every sequence of the organ for ``year``: its 发文字号 per 机关代字, then its 令 and meeting series."""
        require_role(actor, Role.admin)
        organ = self.organs.get(organ_id)
        found = []
        for prefix in organ.prefixes:
            last = self._issued_in_prefix(prefix.prefix, year)
            next_ = max(last, self._counter(NumberFamily.document, prefix.prefix, year)) + 1
            found.append(SequenceView(NumberFamily.document, prefix.prefix, year, last, next_, prefix_id=prefix.id))
        for series in self.series_of(organ_id):
            family, counter_year = NumberFamily(series.family), _counter_year(series, year)
            last = self._issued_in_series(series, year)
            next_ = max(last, self._counter(family, str(series.id), counter_year)) + 1
            shown_year = year if series.restart_yearly else None
            found.append(
                SequenceView(
                    family,
                    series.name,
                    shown_year,
                    last,
                    next_,
                    series_id=series.id,
                    restart_yearly=series.restart_yearly,
                )
            )
        return found

    def set_next_in_prefix(self, actor: User, organ_id: int, prefix_id: int, year: int, next_number: int) -> int:
        """The next 发文字号 of one 机关代字 and year (an office that issued 16 on paper starts at 17)."""
        require_role(actor, Role.admin)
        prefix = self.repo.prefix(prefix_id)
        if prefix is None or prefix.organ_id != organ_id:
            raise not_found("机关代字", "prefix", id=prefix_id)
        _check_year(year)
        family, scope = NumberFamily.document, prefix.prefix
        return self._set_next(
            actor,
            prefix.organ,
            family,
            scope,
            year,
            next_number,
            lambda: self._issued_in_prefix(scope, year),
            f"{scope}〔{year}〕",
        )

    def set_next_in_series(self, actor: User, organ_id: int, series_id: int, year: int | None, next_number: int) -> int:
        """The next 令号 or 期号 of one series (``year`` for a series that restarts each year)."""
        require_role(actor, Role.admin)
        series = self._series(organ_id, series_id)
        if series.restart_yearly:
            if year is None:
                raise Invalid(
                    "year_required",
                    "按年编号的序列须指明年度",
                    "this series restarts yearly: name the year",
                    field="year",
                )
            _check_year(year)
        counter_year = _counter_year(series, year or allocator.RUNS_ON)
        label = f"{series.name}〔{year}〕" if series.restart_yearly else series.name
        return self._set_next(
            actor,
            series.organ,
            NumberFamily(series.family),
            str(series.id),
            counter_year,
            next_number,
            lambda: self._issued_in_series(series, year),
            label,
        )

    def save_series(
        self, actor: User, organ_id: int, family: NumberFamily, name: str, restart_yearly: bool,
        series_id: int | None = None,
    ) -> NumberSeries:  # fmt: skip
        """Add a 令 or meeting series to an organ, or change one that has issued nothing yet: an issued number
        carries its series' name, so a later rename or restart rule would let two documents meet on one 文号."""
        require_role(actor, Role.admin)
        organ = self.organs.get(organ_id)
        if family not in SERIES_FAMILIES:
            raise Invalid(
                "series_family_invalid",
                "只有令号和纪要期号可以设置序列",
                "only 令号 and 期号 are series",
                field="family",
            )
        name = _series_name(name)
        taken = self.repo.series_named(name)
        if taken is not None and taken.id != series_id:
            raise Conflict(
                "series_name_taken", f"已有名为“{name}”的编号序列", "a series of that name exists", field="series_name"
            )
        if series_id is None:
            series = NumberSeries(organ_id=organ.id, family=family.value, name=name, restart_yearly=restart_yearly)
            self.repo.add(series)
            before: dict[str, object] = {}
        else:
            series = self._changeable_series(organ_id, series_id, family)
            before = {"name": series.name, "restart_yearly": series.restart_yearly}
            series.name, series.restart_yearly = name, restart_yearly
        self.repo.flush()
        self.audit.record(
            "series_saved",
            document=None,
            actor=actor,
            organ=organ,
            series_id=series.id,
            family=family.value,
            name=name,
            restart_yearly=restart_yearly,
            before=before,
        )
        return series

    def _changeable_series(self, organ_id: int, series_id: int, family: NumberFamily) -> NumberSeries:
        """The organ's series of this family, if it has numbered nothing yet."""
        series = self._series(organ_id, series_id)
        if series.family != family.value:
            raise Invalid("series_family_fixed", "不能改变序列的种类", "a series keeps its family", field="family")
        if self._issued_in_series(series, None):
            raise Conflict(
                "series_in_use",
                "该序列已有公文编号，不能再更名或改变是否每年重新编号",
                "the series has numbered documents: its name and restart rule are fixed",
                field="series_name",
            )
        return series

    # -- helpers --------------------------------------------------------------------------------------------

    def _set_next(
        self, actor: User, organ: Organ, family: NumberFamily, scope: str, year: int, next_number: int,
        issued: Callable[[], int], label: str,
    ) -> int:  # fmt: skip
        """Lock the counter first, so a number allocated meanwhile is committed (and seen) before the check."""
        if not 1 <= next_number <= MAX_NEXT:
            raise Invalid(
                "next_number_invalid",
                f"起始编号须为 1—{MAX_NEXT} 之间的整数",
                f"the next number must be a whole number from 1 to {MAX_NEXT}",
                field="next_number",
            )
        before = self.repo.lock_last(family, scope, year)
        highest = issued()
        if next_number <= highest:
            raise Conflict(
                "next_number_below_issued",
                f"{label}已编到第 {highest} {'期' if family is NumberFamily.minutes else '号'}，"
                f"起始编号不能小于 {highest + 1}",
                f"{label} has issued up to {highest}: the next number cannot be below {highest + 1}",
                field="next_number",
                highest_issued=highest,
            )
        self.repo.set_last(family, scope, year, next_number - 1)
        self.audit.record(
            "numbering_set",
            document=None,
            actor=actor,
            organ=organ,
            sequence=label,
            family=family.value,
            next_number=next_number,
            previous_next=before + 1,
            highest_issued=highest,
        )
        return next_number

    def _issued_in_prefix(self, prefix: str, year: int) -> int:
        """The highest 序号 any document carries under this 机关代字 and year (an imported paper one counts)."""
        return self.repo.highest_in_prefix(prefix, year)

    def _issued_in_series(self, series: NumberSeries, year: int | None) -> int:
        return self.repo.highest_in_series(series.id, year if series.restart_yearly else None)

    def _counter(self, family: NumberFamily, scope: str, year: int) -> int:
        return self.repo.counter(family, scope, year)

    def _series(self, organ_id: int, series_id: int) -> NumberSeries:
        series = self.repo.series(series_id)
        if series is None or series.organ_id != organ_id:
            raise not_found("编号序列", "series", id=series_id)
        return series


def series_number(series: NumberSeries, year: int, seq: int) -> str:
    """The stored 令号 / 期号 with its series' name, unique across series and years: 扎兰屯市人民政府令第3号;
    a series that restarts yearly carries the year: 扎兰屯市人民政府常务会议纪要〔2026〕第2期."""
    unit = "号" if series.family == NumberFamily.order.value else "期"
    year_part = f"〔{year}〕" if series.restart_yearly else ""
    return f"{series.name}{year_part}第{seq}{unit}"


def _counter_year(series: NumberSeries, year: int) -> int:
    return year if series.restart_yearly else allocator.RUNS_ON


def _short(series: NumberSeries, organ: Organ) -> str:
    """A series' name without its organ's name: what a 纪要's title says of it (常务会议纪要)."""
    for name in (organ.name, organ.short_name):
        if series.name.startswith(name) and len(series.name) > len(name):
            return series.name[len(name) :]
    return series.name


def _series_name(name: str) -> str:
    name = name.strip()
    if not 2 <= len(name) <= MAX_SERIES_NAME:
        raise Invalid(
            "series_name_invalid",
            f"序列名称须为 2—{MAX_SERIES_NAME} 字",
            "the series name needs 2–100 characters",
            field="series_name",
        )
    return name


def _check_year(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise Invalid("year_invalid", "年度不合法", "the year is out of range", field="year")
