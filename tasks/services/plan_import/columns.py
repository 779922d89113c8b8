"""The workbook's columns, the words typed in them, and how much one file may hold.

The headers and the template's explanation row are Chinese constants, not translated strings: they are
the file format that users type against, like a column name (the importer matches them).
"""

from dataclasses import dataclass

from django.conf import settings

from tasks.models import Area, KeyTask

MAX_BYTES = getattr(settings, "PLAN_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "PLAN_IMPORT_MAX_ROWS", 5000)
HEADER_SEARCH_ROWS = 10
# What the archive may hold, checked before parsing (tasks.services.plan_import.workbook). A full plan of 5,000
# rows with long descriptions unpacks to about 25 MB and some 300,000 XML elements; openpyxl parses about 350,000
# elements a second, and a cell style costs it ten times more than a cell.
MAX_UNCOMPRESSED_BYTES = getattr(settings, "PLAN_IMPORT_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
MAX_PARTS = 200
MAX_XML_ELEMENTS = 600_000
MAX_STYLE_ELEMENTS = 50_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    hint: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14


COLUMNS = [
    Column(
        "area",
        "工作方面",
        "必填。从下拉列表选择，或填写本年度新增的方面",
        ("方面", "类别", "工作类别"),
        required=True,
        width=14,
    ),
    Column(
        "number", "序号", "必填。如 2.3，同一文件内不得重复", ("编号", "任务编号", "任务序号"), required=True, width=8
    ),
    Column(
        "title",
        "重点任务",
        "必填。不超过200字",
        ("任务名称", "重点任务名称", "工作任务", "任务"),
        required=True,
        width=36,
    ),
    Column(
        "description", "具体内容", "选填。任务的具体要求", ("任务描述", "工作内容", "具体措施", "主要内容"), width=48
    ),
    Column(
        "lead_unit",
        "牵头单位",
        "必填。单位全称或简称，从下拉列表选择",
        ("牵头部门", "责任单位"),
        required=True,
        width=18,
    ),
    Column("cooperating_units", "配合单位", "选填。多个单位用顿号“、”分隔", ("配合部门", "协同单位"), width=28),
    Column("leader", "责任领导", "选填。姓名", ("分管领导",), width=10),
    Column("owner", "责任人", "选填。姓名；多人用顿号分隔，各自承办所在单位的任务", ("具体责任人", "联系人"), width=12),
    Column("start", "开始时间", "必填。日期，如 2023-01-03", ("开始日期", "起始时间"), required=True, width=12),
    Column(
        "deadline",
        "完成时限",
        "必填。日期，不早于开始时间",
        ("截止时间", "完成时间", "截止日期", "完成期限"),
        required=True,
        width=12,
    ),
    Column("metric", "量化指标", "选填。如 中心组学习", ("指标", "指标名称", "量化指标名称"), width=14),
    Column("metric_unit", "计量单位", "选填。如 次、项、篇", ("单位（计量）", "指标单位"), width=8),
    Column("target", "目标值", "选填。非负数；有目标值时须填写量化指标", ("目标", "目标数", "指标值"), width=8),
    Column("weight", "权重", "选填。正数，默认 1", (), width=6),
    Column(
        "cadence",
        "反馈频次",
        "选填。每月、每季度或一次，默认每季度",
        ("报送频次", "反馈周期", "进展反馈频次"),
        width=10,
    ),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Cells read per row: the template's columns, with as many again for columns a person inserted (备注, a second
# 序号). A sheet may declare 16,384 columns; nothing past these is read.
MAX_COLUMNS = 2 * len(COLUMNS)

DEFAULT_AREAS = [
    (Area.Code.POLITICAL, "政治建设"),
    (Area.Code.IDEOLOGICAL, "思想建设"),
    (Area.Code.ORGANIZATIONAL, "组织建设"),
    (Area.Code.DISCIPLINE, "纪律作风建设"),
]
AREA_CODES = {
    "政治建设": Area.Code.POLITICAL,
    "党的政治建设": Area.Code.POLITICAL,
    "思想建设": Area.Code.IDEOLOGICAL,
    "党的思想建设": Area.Code.IDEOLOGICAL,
    "组织建设": Area.Code.ORGANIZATIONAL,
    "党的组织建设": Area.Code.ORGANIZATIONAL,
    "纪律作风建设": Area.Code.DISCIPLINE,
    "纪律建设": Area.Code.DISCIPLINE,
    "作风建设": Area.Code.DISCIPLINE,
    "党的纪律建设": Area.Code.DISCIPLINE,
}
CADENCE_CHOICES = ["每月", "每季度", "一次"]
CADENCES = {
    "每月": KeyTask.Cadence.MONTHLY,
    "按月": KeyTask.Cadence.MONTHLY,
    "月度": KeyTask.Cadence.MONTHLY,
    "每月一次": KeyTask.Cadence.MONTHLY,
    "月": KeyTask.Cadence.MONTHLY,
    "monthly": KeyTask.Cadence.MONTHLY,
    "每季度": KeyTask.Cadence.QUARTERLY,
    "按季度": KeyTask.Cadence.QUARTERLY,
    "季度": KeyTask.Cadence.QUARTERLY,
    "按季": KeyTask.Cadence.QUARTERLY,
    "每季": KeyTask.Cadence.QUARTERLY,
    "每季度一次": KeyTask.Cadence.QUARTERLY,
    "quarterly": KeyTask.Cadence.QUARTERLY,
    "一次": KeyTask.Cadence.ONCE,
    "一次性": KeyTask.Cadence.ONCE,
    "办结时": KeyTask.Cadence.ONCE,
    "完成时": KeyTask.Cadence.ONCE,
    "once": KeyTask.Cadence.ONCE,
}
