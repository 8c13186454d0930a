"""China's public holidays and adjusted working days (放假调休) for 2026 and 2027, as data the CN profile reads."""

from __future__ import annotations

from datetime import date, timedelta


def _days(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=offset) for offset in range((last - first).days + 1))


#: Source: 国务院办公厅关于2026年部分节假日安排的通知 (State Council General Office, 4 November 2025): the days off,
#: each range as the notice states it, weekends inside a holiday period included.
CN_HOLIDAYS_2026 = frozenset().union(
    _days(date(2026, 1, 1), date(2026, 1, 3)),     # 元旦
    _days(date(2026, 2, 15), date(2026, 2, 23)),   # 春节, 9 days
    _days(date(2026, 4, 4), date(2026, 4, 6)),     # 清明节
    _days(date(2026, 5, 1), date(2026, 5, 5)),     # 劳动节
    _days(date(2026, 6, 19), date(2026, 6, 21)),   # 端午节
    _days(date(2026, 9, 25), date(2026, 9, 27)),   # 中秋节
    _days(date(2026, 10, 1), date(2026, 10, 7)),   # 国庆节
)
#: The same notice: weekend days that are working days (上班) to make up for the bridged days.
CN_WORKING_DAYS_2026 = frozenset({date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                                  date(2026, 9, 20), date(2026, 10, 10)})

#: PROVISIONAL. The 2027 notice was not available when this was written, so these are only the statutory holidays
#: of 全国年节及纪念日放假办法 (as amended by State Council Decree 795, 2024: New Year 1 day, Spring Festival 4 days
#: from New Year's Eve, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3) on 2027's lunar dates
#: (Spring Festival 6 February, Dragon Boat 9 June, Mid-Autumn 15 September: from the lunar calendar, unchecked
#: against the notice). The notice will add bridging days and adjusted working days: add them with
#: `CONTACT_EXTRA_HOLIDAYS` / `CONTACT_EXTRA_WORKING_DAYS` until this table is replaced by the notice's.
CN_HOLIDAYS_2027 = frozenset().union(
    {date(2027, 1, 1)},                            # 元旦
    _days(date(2027, 2, 5), date(2027, 2, 8)),     # 春节: 除夕 to 初三
    {date(2027, 4, 5)},                            # 清明节
    _days(date(2027, 5, 1), date(2027, 5, 2)),     # 劳动节
    {date(2027, 6, 9)},                            # 端午节
    {date(2027, 9, 15)},                           # 中秋节
    _days(date(2027, 10, 1), date(2027, 10, 3)),   # 国庆节
)
CN_WORKING_DAYS_2027: frozenset[date] = frozenset()

CN_HOLIDAYS: frozenset[date] = CN_HOLIDAYS_2026 | CN_HOLIDAYS_2027
CN_WORKING_DAYS: frozenset[date] = CN_WORKING_DAYS_2026 | CN_WORKING_DAYS_2027
#: The years the table covers; a date outside them is checked only against the holidays added by setting.
CN_CALENDAR_YEARS = (2026, 2027)
