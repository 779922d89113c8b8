"""The demo: a municipal bureau's party committee and its plan, taken from the reference annual report
(shared/reference/annual-party-building-report.txt). Plain data; tasks.services.demo builds it."""

COMMITTEE = "市局党委"
PARTY_OFFICE = "党建工作办公室"

# (name, short name, kind, parent name)
UNITS = [
    (COMMITTEE, "市局党委", "committee", None),
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
BRANCHES = [name for name, _, kind, _ in UNITS if kind == "branch"]

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
]
PRINTED_ACCOUNTS = ["admin", "secadmin", "auditor", "committee", "secretary1", "secretary2"]
# 三员分立: the three administrators hold one duty each and no work role.
ADMIN_DUTIES = {"admin": "system", "secadmin": "security", "auditor": "audit"}

AREAS = [
    ("political", "政治建设"),
    ("ideological", "思想建设"),
    ("organizational", "组织建设"),
    ("discipline", "纪律作风建设"),
]

ALL_BRANCHES = "ALL_BRANCHES"

# (area code, number, title, description, lead unit, assigned units, leader, start MM-DD, deadline MM-DD,
#  metric, metric unit, target per assignment, cadence, weight)
KEY_TASKS = [
    ("political", "1.1", "召开党建工作领导小组会议", "审议印发年度党建工作要点，研究部署党建重点工作，压实党建工作责任制。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "01-03", "12-20", "领导小组会议", "次", 4, "quarterly", 2),
    ("political", "1.2", "全面贯彻“第一议题”制度",
     "把学习贯彻习近平新时代中国特色社会主义思想作为党内政治生活的“第一议题”，党委会及时跟进学习。",
     PARTY_OFFICE, [PARTY_OFFICE, "办公室党支部", "业务一科党支部"], "committee", "01-03", "12-31", "第一议题学习", "项", 24,
     "monthly", 2),
    ("political", "1.3", "修订党委工作规则，制定党委、纪委议事规则",
     "修订党委工作规则，制定党委、纪委议事规则，推动落实党支部议事规则。",
     "办公室党支部", ["办公室党支部", "法规科党支部"], "leader_li", "01-09", "04-28", "", "", None, "once", 1),
    ("political", "1.4", "落实加强和改进思想政治工作具体举措",
     "贯彻落实关于新时代加强和改进思想政治工作的具体举措，定期研究思想政治和意识形态工作。",
     PARTY_OFFICE, [PARTY_OFFICE, "人事教育科党支部"], "committee", "01-09", "12-15", "专题研究", "次", 4, "quarterly", 1),
    ("political", "1.5", "制定《党建考核指标明细表》，党建纳入综合考核",
     "将党建工作纳入各单位年度综合考核，推动党的建设与业务工作同谋划同部署同推进同考核。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "01-09", "03-31", "", "", None, "once", 1),
    ("ideological", "2.1", "制定中心组学习计划，开展中心组学习",
     "发挥中心组示范领学作用，明确重点学习任务，把学习党史融入日常、抓在经常。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "01-03", "12-31", "中心组学习", "天", 12, "monthly", 2),
    ("ideological", "2.2", "组织专家授课和研讨交流", "邀请专家专题授课，组织党员干部研讨交流。",
     "人事教育科党支部", ["人事教育科党支部", "信息中心党支部"], "leader_li", "02-01", "11-30", "专家授课", "次", 4,
     "quarterly", 1),
    ("ideological", "2.3", "“三会一课”、主题党日安排党史学习内容",
     "每月在党支部“三会一课”、主题党日安排党史学习内容和讨论主题，确保全覆盖。",
     PARTY_OFFICE, ALL_BRANCHES, "committee", "01-03", "12-31", "主题党日", "次", 12, "monthly", 1),
    ("ideological", "2.4", "开展“月读一书”活动", "党员干部每月读一本书，优秀读书心得在党建公众号刊登。",
     "人事教育科党支部", ALL_BRANCHES, "leader_li", "01-03", "12-31", "读书心得", "篇", 4, "monthly", 1),
    ("ideological", "2.5", "红色教育基地现场教学", "盘活红色资源，组织党员到红色教育基地开展现场教学。",
     PARTY_OFFICE, ["办公室党支部", "业务一科党支部", "业务二科党支部", "稽查局党支部"], "committee", "03-01", "10-31",
     "现场教学", "场次", 3, "quarterly", 1),
    ("ideological", "2.6", "“我为群众办实事”项目清单", "制定办实事项目清单，按计划逐项完成，建立长效机制。",
     PARTY_OFFICE, ["业务一科党支部", "业务二科党支部", "稽查局党支部", "信息中心党支部"], "committee", "02-01",
     "12-15", "办实事项目", "项", 5, "quarterly", 2),
    ("ideological", "2.7", "领导班子领题调研", "市局领导领题调研，着眼瓶颈难题形成研究成果并落地推进。",
     "办公室党支部", ["办公室党支部", "法规科党支部", "业务一科党支部"], "leader_li", "03-01", "11-30", "研究成果", "项", 2,
     "quarterly", 1),
    ("ideological", "2.8", "举办主题党课竞赛", "举办“赓续精神谱系 凝聚奋进力量”主题党课竞赛，培养党课讲师、开发精品党课。",
     PARTY_OFFICE, ["人事教育科党支部", "财务审计科党支部", "信息中心党支部"], "committee", "04-03", "07-31", "", "",
     None, "once", 1),
    ("organizational", "3.1", "支部书记、党务工作者集中培训", "精心组织党支部书记、党务工作者集中培训，提升履职能力。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "03-01", "09-30", "集中培训", "期", 2, "quarterly", 1),
    ("organizational", "3.2", "支部书记、委员年度述职评议", "落实支部书记、委员年度述职评议机制，把抓党建工作情况作为重点内容。",
     "机关党总支", ALL_BRANCHES, "committee", "01-03", "02-28", "", "", None, "once", 1),
    ("organizational", "3.3", "每月编印《组织生活学习指引》", "每月编印学习指引，严格组织生活程序，细化组织生活标准。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "01-03", "12-31", "学习指引", "期", 12, "monthly", 1),
    ("organizational", "3.4", "组织生活会和民主评议党员", "推进年度组织生活会、民主评议党员工作，党委委员挂帅成立指导组现场指导。",
     "机关党总支", ALL_BRANCHES, "leader_zhao", "01-09", "03-31", "", "", None, "once", 2),
    ("organizational", "3.5", "模范机关创建", "推进模范机关先进单位和先进个人创建，制定创建目标、明确实施路径。",
     "办公室党支部", ["办公室党支部", "人事教育科党支部", "财务审计科党支部", "业务二科党支部"], "committee", "02-01",
     "12-15", "", "", None, "quarterly", 1),
    ("organizational", "3.6", "“两优一先”评选表彰", "组织开展“两优一先”评选表彰，表彰先进、树立榜样。",
     PARTY_OFFICE, [PARTY_OFFICE], "committee", "05-04", "07-01", "", "", None, "once", 1),
    ("organizational", "3.7", "录制“新时代、新青年”主题微视频", "开发录制主题微视频，展现青年的理想和担当。",
     "信息中心党支部", ["信息中心党支部"], "leader_li", "04-03", "09-29", "微视频", "部", 2, "once", 1),
    ("discipline", "4.1", "修订《落实全面从严治党主体责任清单》", "列好六张清单，有力推动主体责任落实落细。",
     "纪检监察室", ["纪检监察室"], "leader_zhao", "01-09", "03-31", "主体责任清单", "张", 6, "once", 2),
    ("discipline", "4.2", "全面从严治党督查和专项约谈", "开展全面从严治党督查和专项约谈，提高政治监督的科学性和精准性。",
     "纪检监察室", ["纪检监察室", "稽查局党支部"], "leader_zhao", "02-01", "12-15", "专项约谈", "次", 6, "quarterly", 1),
    ("discipline", "4.3", "印发作风工作方案，推进作风革新", "围绕主要措施纵深推进作风建设，坚持“五破除、五树立”。",
     PARTY_OFFICE, ["办公室党支部", "业务一科党支部", "业务二科党支部", "稽查局党支部", "信息中心党支部"], "leader_zhao",
     "02-01", "11-30", "作风措施落实", "条", 5, "quarterly", 1),
    ("discipline", "4.4", "强化案件查办震慑", "保持“严”的氛围、“惩”的力度，依规依纪查办案件。",
     "纪检监察室", ["纪检监察室"], "leader_zhao", "01-03", "12-31", "结案", "宗", 10, "quarterly", 1),
    ("discipline", "4.5", "开展制度修订，扎牢制度笼子", "梳理现行制度，废止旧制度，建立新制度，补齐制度短板。",
     "法规科党支部", ["法规科党支部", "财务审计科党支部", "办公室党支部"], "leader_zhao", "02-01", "10-31", "新建制度",
     "份", 8, "quarterly", 1),
    ("discipline", "4.6", "召开警示教育大会，开展节前警示教育", "加强新时代廉洁文化建设，常态化开展节前警示教育。",
     "纪检监察室", ALL_BRANCHES, "leader_zhao", "01-03", "12-20", "警示教育", "次", 4, "quarterly", 1),
    ("discipline", "4.7", "开展纪律教育学习月活动", "多形式推进党章党规党纪学习，教育引导党员干部知敬畏、存戒惧、守底线。",
     "纪检监察室", ALL_BRANCHES, "leader_zhao", "08-01", "09-29", "", "", None, "once", 1),
]

# How each unit tends to perform (share of the expected pace it keeps): some lead, some lag.
UNIT_PACE = {
    "办公室党支部": 1.05, "人事教育科党支部": 1.0, "财务审计科党支部": 0.95, "法规科党支部": 0.9,
    "业务一科党支部": 1.1, "业务二科党支部": 0.75, "信息中心党支部": 0.85, "稽查局党支部": 0.6,
    "离退休干部党支部": 0.8, PARTY_OFFICE: 1.05, "纪检监察室": 1.0,
}

NARRATIVES = [
    "已按计划组织开展，党员参与率{rate}%，形成会议记录和学习材料。",
    "结合业务工作推进落实，本阶段完成计划内容，相关台账已归档。",
    "支部委员会专题研究部署，分工到人，按时间节点推进。",
    "召开支部党员大会传达部署，组织集中学习和交流研讨。",
    "对照任务清单逐项推进，已完成阶段性工作，下一步继续抓好落实。",
]
OBSTACLES = [
    "部分党员外出执行任务，集中学习时间难以统一，需党委协调安排补学。",
    "活动经费尚未下达，需党建办协调落实。",
    "业务工作任务重，人手紧张，申请延后部分活动并加强线上学习。",
]
