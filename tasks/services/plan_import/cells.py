"""What a typed cell means: text, a key-task number, a date or a number, however Excel or WPS stored it."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from openpyxl.utils.datetime import from_excel

DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MONTH_DAY_TEXT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def number_text(value) -> str:
    """A key-task number as typed: "2.3". Excel may have stored it as the number 2.3."""
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return cell_text(value).replace("．", ".").rstrip(".")


def cell_date(value, year: int) -> dt.date | None:
    """A date typed as a date, as text (2023-03-31, 2023/3/31, 2023年3月31日, 3月31日) or as an Excel serial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # 1954..2119: a serial day number in a cell formatted as General
            return from_excel(value).date()
        return None
    text = cell_text(value)
    match = DATE_TEXT.match(text)
    if match:
        parts = [int(part) for part in match.groups()]
    else:
        match = MONTH_DAY_TEXT.match(text)
        if not match:
            return None
        parts = [year, *(int(part) for part in match.groups())]
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def cell_decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        raise InvalidOperation
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = cell_text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return number
