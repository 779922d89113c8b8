"""The demo's organisation: a municipal bureau's party committee, its units and accounts, taken from the
reference annual report (shared/reference/annual-party-building-report.txt); above it the city's 机关工委, and
beside it a sister bureau (a tree of committees: README "Many committees"). Plain data; tasks.demo.build
builds it."""

TOP_COMMITTEE = "市直机关工委"
COMMITTEE = "市局党委"
SISTER_COMMITTEE = "市交通运输局党委"
PARTY_OFFICE = "党建工作办公室"

# (name, short name, kind, parent name): the bureau of the reference report
UNITS = [
    (COMMITTEE, "市局党委", "committee", TOP_COMMITTEE),
    (PARTY_OFFICE, "党建办", "department", COMMITTEE),
    ("纪检监察室", "纪检室", "department", COMMITTEE),
    ("机关党总支", "机关党总支", "general_branch", COMMITTEE),
    ("办公室党支部", "办公室支部", "branch", "机关党总支"),
    ("人事教育科党支部", "人教科支部", "branch", "机关党总支"),
    ("财务审计科党支部", "财审科支部", "branch", "机关党总支"),
    ("法规科党支部", "法规科支部", "branch", "机关党总支"),
    ("业务一科党支部", "业务一科支部", "branch", COMMITTEE),
    ("业务二科党支部", "业务二科支部", "branch", COMMITTEE),
    ("信息中心党支部", "信息中心支部", "branch", COMMITTEE),
    ("稽查局党支部", "稽查局支部", "branch", COMMITTEE),
    ("离退休干部党支部", "离退休支部", "branch", COMMITTEE),
]
BRANCHES = [name for name, _, kind, _ in UNITS if kind == "branch"]  # the bureau's: its plan's 各党支部
SISTER_UNITS = [
    (SISTER_COMMITTEE, "交通局党委", "committee", TOP_COMMITTEE),
    ("交通局机关党支部", "交通机关支部", "branch", SISTER_COMMITTEE),
    ("运输管理处党支部", "运管处支部", "branch", SISTER_COMMITTEE),
    ("综合执法支队党支部", "执法支队支部", "branch", SISTER_COMMITTEE),
]
SISTER_BRANCHES = [name for name, _, kind, _ in SISTER_UNITS if kind == "branch"]
# Parents first: the 工委, the bureau, the sister bureau.
ALL_UNITS = [(TOP_COMMITTEE, "机关工委", "committee", None), *UNITS, *SISTER_UNITS]

# (username, full name, [(unit, role)], is_staff, is_superuser); see PRINTED_ACCOUNTS.
USERS = [
    ("admin", "系统管理员", [], True, False),
    ("secadmin", "安全管理员", [], True, False),
    ("auditor", "审计管理员", [], True, False),
    ("committee", "王建国", [(COMMITTEE, "committee"), (PARTY_OFFICE, "secretary")], False, False),
    ("secretary1", "张伟", [("办公室党支部", "secretary")], False, False),
    ("secretary2", "刘芳", [("业务一科党支部", "secretary")], False, False),
    ("leader_li", "李红", [(COMMITTEE, "committee")], False, False),
    ("leader_zhao", "赵明", [(COMMITTEE, "committee"), ("纪检监察室", "secretary")], False, False),
    ("worker1", "陈静", [("办公室党支部", "worker")], False, False),
    ("sec_rjk", "杨磊", [("人事教育科党支部", "secretary")], False, False),
    ("sec_csk", "黄丽", [("财务审计科党支部", "secretary")], False, False),
    ("sec_fgk", "周强", [("法规科党支部", "secretary")], False, False),
    ("sec_ywe", "吴敏", [("业务二科党支部", "secretary")], False, False),
    ("sec_xxzx", "徐涛", [("信息中心党支部", "secretary")], False, False),
    ("sec_jcj", "孙洁", [("稽查局党支部", "secretary")], False, False),
    ("sec_ltx", "马德华", [("离退休干部党支部", "secretary")], False, False),
    ("sec_zzz", "朱建华", [("机关党总支", "secretary")], False, False),
    ("member1", "郭晓", [("办公室党支部", "member")], False, False),
    ("gongwei", "陈志远", [(TOP_COMMITTEE, "committee")], False, False),
    ("committee2", "林海", [(SISTER_COMMITTEE, "committee")], False, False),
    ("secretary3", "何静", [("运输管理处党支部", "secretary")], False, False),
    ("sec_jtjg", "蒋涛", [("交通局机关党支部", "secretary")], False, False),
    ("sec_zfzd", "韩雪", [("综合执法支队党支部", "secretary")], False, False),
]
PRINTED_ACCOUNTS = ["admin", "secadmin", "auditor", "committee", "secretary1", "secretary2", "gongwei", "committee2"]
# 三员分立: the three administrators hold one duty each and no work role.
ADMIN_DUTIES = {"admin": "system", "secadmin": "security", "auditor": "audit"}
