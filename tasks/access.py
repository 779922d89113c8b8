"""Who may see and change what. Every view, list, export and job asks here; nothing else decides.

- Committee members (党委委员 / 党建办) see their committee's subtree: its plans and the work of every unit
  below it, with a committee below included (a 机关工委 sees its bureaus); they review, urge and decide
  extensions there. A sister committee's work is hidden like any other unit's.
- A secretary or party-affairs worker sees and reports for their unit and all units below it.
- A member sees and reports on the assignments they own.
- A reviewer (审核人) sees the work of their unit and all units below it and reviews its reports.
- Only the audit administrator reads the audit log (a 403 there: the page exists, the duty is missing).
- Draft plans are visible to the committee that owns them (and committees above it) only; published plans to
  the units below their committee.
A unit's committee is the nearest unit of kind committee at or above it, else the root of its tree: the committee
whose plans it carries. Scopes are sets of unit ids (one query of the unit tree per request) that the queries
below put in SQL; an installation of one committee filters nothing more than before.
An object outside a user's scope is answered with the same 404 as an id that does not exist. A page that is for
the committee alone (the plan pages, the import, the committee's downloads) is no secret: anyone else gets a 403
that says a committee role is needed (`require_committee_page`).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tasks.models import (
    AnnualPlan,
    Assignment,
    CascadeLink,
    Evidence,
    ExtensionRequest,
    KeyTask,
    MeetingFile,
    MeetingRecord,
    Membership,
    OrgUnit,
    PartyMember,
    ProgressReport,
    User,
)

_SCOPE_ATTR = "_partybuild_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    unit_ids: frozenset[int]  # units (with descendants) the user works for as secretary or worker
    own_unit_ids: frozenset[int]  # units the user belongs to in any role, without descendants
    review_unit_ids: frozenset[int] = frozenset()  # units (with descendants) whose reports the user reviews
    committee_ids: frozenset[int] = frozenset()  # the committees the user is a committee member of
    committee_unit_ids: frozenset[int] = frozenset()  # those committees' subtrees
    lower_committee_ids: frozenset[int] = frozenset()  # the committees in those subtrees, not the user's own
    sees_all: bool = False  # the committee subtree is every unit: nothing to filter (one committee installed)
    plan_committee_ids: frozenset[int] = frozenset()  # committees whose published plans the user's units carry
    home_committee_id: int | None = None  # the committee whose plan pages show by default

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_committee(self) -> bool:
        return bool(self.committee_ids)

    @property
    def cache_key(self) -> str:
        """Who shares cached figures: the members of the same committees, else the user alone."""
        if self.sees_all:
            return "all"
        if self.is_committee:
            return "c" + "-".join(str(unit_id) for unit_id in sorted(self.committee_ids))
        return f"u{self.user_id}"


def descendant_unit_ids(unit_ids, *, children: dict | None = None) -> set[int]:
    """The given units and every unit below them (one query, or none given the tree of `unit_children`)."""
    children = unit_children() if children is None else children
    found, stack = set(), list(unit_ids)
    while stack:
        unit_id = stack.pop()
        if unit_id not in found:
            found.add(unit_id)
            stack.extend(children.get(unit_id, ()))
    return found


def unit_children() -> dict[int | None, list[int]]:
    """The unit tree as {parent id: child ids} (one query; the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(unit_id)
    return children


def unit_tree() -> dict[int, tuple[int | None, str]]:
    """The unit tree as {unit id: (parent id, kind)} (one query; the tree is small)."""
    return {
        unit_id: (parent_id, kind)
        for unit_id, parent_id, kind in OrgUnit.objects.values_list("id", "parent_id", "kind")
    }


def ancestor_ids(unit_id: int, tree: dict) -> list[int]:
    """`unit_id` and the units above it, nearest first."""
    found = []
    while unit_id is not None and unit_id in tree and unit_id not in found:
        found.append(unit_id)
        unit_id = tree[unit_id][0]
    return found


def top_committee(tree: dict) -> int | None:
    """The committee at the top: the first root of kind committee (in the units' order)."""
    return next(
        (unit_id for unit_id, (parent, kind) in tree.items() if parent is None and kind == OrgUnit.Kind.COMMITTEE), None
    )


def committee_of(unit_id: int, tree: dict) -> int | None:
    """The committee a unit belongs to: the nearest unit of kind committee at or above it. A unit under no committee
    (a tree of its own, not yet placed) is the top committee's, else its tree root's."""
    line = ancestor_ids(unit_id, tree)
    for candidate in line:
        if tree[candidate][1] == OrgUnit.Kind.COMMITTEE:
            return candidate
    return top_committee(tree) or (line[-1] if line else None)


def root_committee_id() -> int | None:
    """The committee at the top (the one of a one-committee installation): what the command line works for."""
    roots = OrgUnit.objects.filter(parent__isnull=True)
    unit = roots.filter(kind=OrgUnit.Kind.COMMITTEE).first() or roots.first()
    return unit.pk if unit else None


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(None, frozenset(), frozenset())
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return cached
    memberships = list(Membership.objects.filter(user=user).values_list("unit_id", "role"))
    scope = _scope_of(user.pk, memberships, unit_tree() if memberships else {})
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def _scope_of(user_id: int, memberships: list[tuple[int, str]], tree: dict) -> Scope:
    children: dict[int | None, list[int]] = {}
    for unit_id, (parent_id, _kind) in tree.items():
        children.setdefault(parent_id, []).append(unit_id)
    roles = Membership.Role
    committees = {committee_of(unit_id, tree) for unit_id, role in memberships if role == roles.COMMITTEE} - {None}
    managed = [unit_id for unit_id, role in memberships if role in (roles.SECRETARY, roles.WORKER)]
    reviewed = [unit_id for unit_id, role in memberships if role == roles.REVIEWER]
    committee_units = descendant_unit_ids(committees, children=children)
    if top_committee(tree) in committees:  # units under no committee are the top committee's
        loose = [unit_id for unit_id in children.get(None, []) if tree[unit_id][1] != OrgUnit.Kind.COMMITTEE]
        committee_units |= descendant_unit_ids(loose, children=children)
    carried = {committee_of(ancestor, tree) for unit_id, _ in memberships for ancestor in ancestor_ids(unit_id, tree)}
    own = [unit_id for unit_id, _ in memberships]
    return Scope(
        user_id=user_id,
        unit_ids=frozenset(descendant_unit_ids(managed, children=children)),
        own_unit_ids=frozenset(own),
        review_unit_ids=frozenset(descendant_unit_ids(reviewed, children=children)),
        committee_ids=frozenset(committees),
        committee_unit_ids=frozenset(committee_units),
        lower_committee_ids=frozenset(committees_below(committees, tree=tree)),
        sees_all=bool(committees) and len(committee_units) == len(tree),
        plan_committee_ids=frozenset(carried - {None}),
        home_committee_id=_highest(committees, tree) if committees else (committee_of(own[0], tree) if own else None),
    )


def _highest(committees, tree: dict) -> int:
    """The highest of one's committees is home (a 工委 member who also sits on a bureau's committee starts at the
    工委); between two at one height, the first made."""
    return min(committees, key=lambda unit_id: (len(ancestor_ids(unit_id, tree)), unit_id))


def home_committee_id(user) -> int | None:
    """The committee whose plan a page shows by default: the user's own (the highest, if several); for a secretary,
    worker or member the committee of their unit; the command line (`user=None`) the root committee."""
    if user is None:
        return root_committee_id()
    return scope_for(user).home_committee_id


def forget_scope(user) -> None:
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)


# --- Queries ----------------------------------------------------------------------------------------


def _drafts_hidden(scope: Scope, plan_field: str) -> Q:
    """Rows of a draft plan the user may not see: every draft but those of the user's committee subtree."""
    return Q(**{f"{plan_field}status": AnnualPlan.Status.DRAFT}) & ~Q(
        **{f"{plan_field}committee_id__in": scope.committee_unit_ids}
    )


def visible_assignments(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Assignment.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_anonymous:
        return queryset.none()
    if scope.sees_all:
        return queryset
    units = scope.unit_ids | scope.review_unit_ids | scope.committee_unit_ids
    return queryset.filter(Q(unit_id__in=units) | Q(owner_id=scope.user_id)).exclude(
        _drafts_hidden(scope, "key_task__plan__")
    )


def visible_key_tasks(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = KeyTask.objects.all() if queryset is None else queryset
    scope = scope_for(user)
    if scope.is_anonymous:
        return queryset.none()
    if scope.sees_all:
        return queryset
    carried = Q(pk__in=visible_assignments(user).values("key_task_id"))
    if scope.is_committee:
        return queryset.filter(Q(plan__committee_id__in=scope.committee_unit_ids) | carried)
    return queryset.filter(carried)


def visible_reports(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = ProgressReport.objects.all() if queryset is None else queryset
    if scope_for(user).sees_all:
        return queryset
    return queryset.filter(assignment__in=visible_assignments(user))


def reviewable_reports(user) -> QuerySet:
    """The reports the user may review (the review queue): of their committees' own plans, or of the units they
    review as 审核人. A committee above sees the reports of the plans below it but leaves their review to them."""
    scope = scope_for(user)
    return visible_reports(user).filter(
        Q(assignment__key_task__plan__committee_id__in=scope.committee_ids)
        | Q(assignment__unit_id__in=scope.review_unit_ids)
    )


def decidable_extensions(user) -> QuerySet:
    """The extension requests the user decides: those of their committees' own plans."""
    scope = scope_for(user)
    return ExtensionRequest.objects.filter(
        assignment__in=visible_assignments(user), assignment__key_task__plan__committee_id__in=scope.committee_ids
    )


def visible_cascade_links(user) -> QuerySet:
    """上级要点 → 本级要点 links of the assignments the user sees: the higher committee's and the lower one's, not a
    sister's (the admin's rows)."""
    return CascadeLink.objects.filter(assignment__in=visible_assignments(user))


def visible_evidence(user) -> QuerySet:
    return Evidence.objects.filter(report__in=visible_reports(user))


def visible_plans(user) -> QuerySet:
    """Every plan the user may see: their committees' and those below (drafts included), and the published plans
    of the committees their units carry work for."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return AnnualPlan.objects.none()
    if scope.sees_all:
        return AnnualPlan.objects.all()
    return AnnualPlan.objects.filter(
        Q(committee_id__in=scope.committee_unit_ids)
        | (Q(committee_id__in=scope.plan_committee_ids) & ~Q(status=AnnualPlan.Status.DRAFT))
    )


def sees_whole_plan(user, plan: AnnualPlan) -> bool:
    """Every assignment of the plan is visible to the user (`visible_assignments`): a member of its committee or of a
    committee above it. Their figures are the plan's own (the stored tally, tasks.services.tallies)."""
    scope = scope_for(user)
    return scope.sees_all or plan.committee_id in scope.committee_unit_ids


def plan_assignments(user, plan: AnnualPlan) -> QuerySet:
    """The plan's assignments the user sees. Whoever sees the whole plan gets them without the scope's conditions:
    the same rows, in a query PostgreSQL plans faster (no OR over units and owner, no join for drafts)."""
    assignments = Assignment.objects.filter(key_task__plan=plan)
    return assignments if sees_whole_plan(user, plan) else visible_assignments(user, assignments)


def plan_reports(user, plan: AnnualPlan) -> QuerySet:
    """The plan's reports the user sees (as `plan_assignments`)."""
    reports = ProgressReport.objects.filter(assignment__key_task__plan=plan)
    return reports if sees_whole_plan(user, plan) else visible_reports(user, reports)


def plans_below(user) -> QuerySet:
    """The plans of the committees below the user's own (the roll-up of a committee above; read-only). None without
    committees below, and no query asked (a committee of branches only, most installations)."""
    return AnnualPlan.objects.filter(committee_id__in=scope_for(user).lower_committee_ids)


def lower_committees(user, *, tree: dict | None = None) -> dict[int, bool]:
    """The committees below the user's own (one query of the unit tree, none given `unit_tree()`): {committee id:
    whether its ranks are the user's}. A committee ranks the committees right below it (a 工委 its bureaus), not those
    a bureau has below it in turn: rankings stay the ranking committee's, as a bureau alone ranks its branches."""
    scope = scope_for(user)
    if not scope.is_committee:
        return {}
    tree = unit_tree() if tree is None else tree
    below = committees_below(scope.committee_ids, tree=tree)
    own = scope.committee_ids
    return {unit_id: committee_of(tree[unit_id][0], tree) in own for unit_id in tree if unit_id in below}


def committees_below(committee_ids, *, tree: dict | None = None) -> set[int]:
    """The committees below the given ones, at every level (a 工委's bureaus; a 党总支 with a committee of its own),
    the given ones left out: a committee is below one of them when that one is the committee of a unit above it
    (`committee_of`: a unit under no committee is the top committee's, as in the scopes). One query of the unit
    tree, none given `unit_tree()`. A committee's weekly digest gives each one line, of its own plan."""
    tree = unit_tree() if tree is None else tree
    given = set(committee_ids)
    return {
        unit_id
        for unit_id, (parent_id, kind) in tree.items()
        if kind == OrgUnit.Kind.COMMITTEE and parent_id is not None and unit_id not in given
        if not given.isdisjoint(committee_of(ancestor, tree) for ancestor in ancestor_ids(parent_id, tree))
    }


def visible_units(user, *, reviewed: bool = True) -> QuerySet:
    """The units the user works in or for; `reviewed=False` leaves out those seen only as a reviewer (审核人)."""
    scope = scope_for(user)
    if scope.sees_all:
        return OrgUnit.objects.all()
    unit_ids = scope.unit_ids | scope.own_unit_ids | scope.committee_unit_ids
    return OrgUnit.objects.filter(pk__in=unit_ids | scope.review_unit_ids if reviewed else unit_ids)


def plan_units(plan: AnnualPlan) -> QuerySet:
    """The units a plan may give work to: its committee's subtree."""
    return OrgUnit.objects.filter(pk__in=descendant_unit_ids([plan.committee_id]))


def get_visible_or_404(queryset: QuerySet, **lookup):
    """Same 404 for "does not exist" and "not yours": the answer must not reveal which."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        _audit_if_hidden(queryset, lookup)
        raise Http404 from None


def _audit_if_hidden(queryset: QuerySet, lookup: dict) -> None:
    """等保 audits permission denials: an object that exists but is outside the user's scope is one.
    The answer stays the same 404; only the audit log knows the difference."""
    from tasks.audit import audit_denied, current_request

    request = current_request()
    try:
        exists = queryset.model._base_manager.filter(**lookup).exists()
    except (ValueError, TypeError):
        return
    if exists and request is not None:
        # One kind per model: a loop over hidden ids is one row a minute, with the count (tasks.audit.denials).
        audit_denied(
            request=request,
            kind=queryset.model._meta.label_lower,
            object_type=queryset.model._meta.label_lower,
            object_id=str(lookup.get("pk", lookup.get("id", "")))[:64],
            detail={"path": request.path[:300]},
        )


# --- Decisions --------------------------------------------------------------------------------------


def is_committee(user) -> bool:
    return scope_for(user).is_committee


def can_run_plan(user, plan: AnnualPlan) -> bool:
    """Edit, publish, close, import into, roll over, rank and report on a plan: a member of the committee whose plan
    it is. A committee above reads it (`visible_plans`) but does not run it; rankings stay the ranking committee's."""
    return plan.committee_id in scope_for(user).committee_ids


def can_link_cascade(user, assignment: Assignment) -> bool:
    """Answer a higher committee's assignment with key tasks of one's own plan (上级要点 → 本级要点): a member of the
    committee the assignment is given to, when it is another committee's key task."""
    return assignment.unit_id in scope_for(user).committee_ids and assignment.key_task.plan.committee_id != (
        assignment.unit_id
    )


def require_committee_page(user) -> None:
    """A committee-only page: 403 with a message saying why, for a secretary as for an administrator (三员), whose
    accounts see no party work data. Django's 403 page shows the message; tasks.security.middleware audits it."""
    if is_committee(user):
        return
    if getattr(user, "admin_duty", ""):
        raise PermissionDenied(
            _(
                "This page needs a committee role (党委). Administrator accounts (系统、安全、审计管理员) see no "
                "party work data: log in with a committee member's own account."
            )
        )
    raise PermissionDenied(
        _(
            "This page needs a committee role (党委). If your work needs it, ask the system administrator to give "
            "your account a committee membership."
        )
    )


def require_rollup_page(user) -> dict[int, bool]:
    """The roll-up of the committees below (/dashboard/committees/): a committee page (`require_committee_page`) for a
    committee that has committees below it; a bureau without any gets a 403 saying so, never a sister's figures.
    Returns `lower_committees(user)`."""
    require_committee_page(user)
    below = lower_committees(user)
    if not below:
        raise PermissionDenied(
            _(
                "This page is for a committee with committees below it (a 机关工委 over bureau committees); yours has "
                "none. Your committee's own figures are on its dashboard."
            )
        )
    return below


def can_report(user, assignment: Assignment) -> bool:
    """Report progress or ask for an extension: the owner, or a secretary/worker of the unit. Nobody reports on a
    cascaded assignment: its progress is its linked key tasks' (最多报一次, tasks.services.cascade)."""
    scope = scope_for(user)
    if scope.is_anonymous or assignment.is_cascaded:
        return False
    return assignment.owner_id == scope.user_id or assignment.unit_id in scope.unit_ids


def _runs_plan_of(user, assignment: Assignment) -> bool:
    """The committee whose plan `assignment` is in: a committee above reads it (drill-down) but does not act on it."""
    return assignment.key_task.plan.committee_id in scope_for(user).committee_ids


def can_review(user, assignment: Assignment | None = None) -> bool:
    """Review progress reports (those the user sees): committee members and reviewers (审核人). Of one assignment's
    reports: its plan's committee or a reviewer of its unit, not a committee above."""
    scope = scope_for(user)
    if assignment is None:
        return scope.is_committee or bool(scope.review_unit_ids)
    return _runs_plan_of(user, assignment) or assignment.unit_id in scope.review_unit_ids


@dataclass(frozen=True)
class Reviewers:
    """Who reviews what, for the reminders (as `can_review` decides for one report)."""

    committee: list[int]  # every committee member
    members: dict[int, list[int]]  # committee id -> its members: they review the reports on their committee's plans
    by_unit: dict[int, list[int]]  # unit id -> the reviewers (审核人) with a role on it or on a unit above

    def of(self, *, unit_id: int, committee_id: int) -> list[int]:
        """Who is asked to review a report of `unit_id` on a plan of `committee_id`: that committee's members (a
        bureau's for its branches; the 工委's for a key task of its own, whichever unit carries it), then the
        unit's reviewers. Not a committee above the plan's, nor one beside it."""
        return list(dict.fromkeys([*self.members.get(committee_id, []), *self.by_unit.get(unit_id, [])]))


def reviewers(active_user_ids) -> Reviewers:
    """Who reviews what, among `active_user_ids` (only they count); a few queries whatever the size."""
    active = set(active_user_ids)
    committee, committee_units, reviewed_by = [], {}, {}
    for user_id, unit_id, role in (
        Membership.objects.filter(role__in=[Membership.Role.COMMITTEE, Membership.Role.REVIEWER])
        .order_by("user_id", "unit_id")
        .values_list("user_id", "unit_id", "role")
    ):
        if user_id not in active:
            continue
        if role == Membership.Role.COMMITTEE:
            committee.append(user_id)
            committee_units.setdefault(unit_id, []).append(user_id)
        else:
            reviewed_by.setdefault(user_id, []).append(unit_id)
    tree = unit_tree() if committee_units or reviewed_by else {}
    members: dict[int, list[int]] = {}
    for unit_id, user_ids in committee_units.items():
        members.setdefault(committee_of(unit_id, tree), []).extend(user_ids)
    children: dict[int | None, list[int]] = {}
    for unit_id, (parent_id, _kind) in tree.items():
        children.setdefault(parent_id, []).append(unit_id)
    by_unit: dict[int, list[int]] = {}
    for user_id, unit_ids in reviewed_by.items():
        for unit_id in descendant_unit_ids(unit_ids, children=children):
            by_unit.setdefault(unit_id, []).append(user_id)
    return Reviewers(
        list(dict.fromkeys(committee)),
        {committee_id: list(dict.fromkeys(user_ids)) for committee_id, user_ids in members.items()},
        by_unit,
    )


def committee_members(user_ids) -> dict[int, list[int]]:
    """{committee id: its members among `user_ids`}, for the weekly digest: one a person (its dedup key has no
    committee), that of their home committee (`home_committee_id`: a 工委 member who also sits on a bureau's
    committee gets the 工委's, whose lines by committee include that bureau)."""
    committees: dict[int, set[int]] = {}
    for user_id, unit_id in (
        Membership.objects.filter(role=Membership.Role.COMMITTEE, user_id__in=set(user_ids))
        .order_by("user_id", "unit_id")
        .values_list("user_id", "unit_id")
    ):
        committees.setdefault(user_id, set()).add(unit_id)
    tree = unit_tree() if committees else {}
    members: dict[int, list[int]] = {}
    for user_id, unit_ids in committees.items():
        home = _highest({committee_of(unit_id, tree) for unit_id in unit_ids} - {None}, tree)
        members.setdefault(home, []).append(user_id)
    return members


def can_read_audit_log(user) -> bool:
    """The audit administrator (三员分立), and nobody else: not a superuser, not the committee."""
    return getattr(user, "is_authenticated", False) and user.is_active and user.admin_duty == User.AdminDuty.AUDIT


def can_urge(user, assignment: Assignment | None = None) -> bool:
    """Urge (催办): a committee member; one assignment, its plan's committee (the 工委 urges the bureau it gave a key
    task to, not the bureau's branches)."""
    return scope_for(user).is_committee and (assignment is None or _runs_plan_of(user, assignment))


def can_decide_extension(user, assignment: Assignment | None = None) -> bool:
    return scope_for(user).is_committee and (assignment is None or _runs_plan_of(user, assignment))


def can_answer_difficulty(user, assignment: Assignment | None = None) -> bool:
    """Answer a report's difficulties (已协调 / 已解决): the committee, who coordinates the help (its plan's)."""
    return scope_for(user).is_committee and (assignment is None or _runs_plan_of(user, assignment))


# --- Organisational life (组织生活) -------------------------------------------------------------------
# A branch's roster and meeting records are seen by the branch, its superiors and the committee, and kept by
# the branch's secretary or party-affairs worker (or a superior's: a general branch keeps its branches').


def orglife_units(user, *, committee_id: int | None = None) -> QuerySet:
    """The branches whose organisational life the user may see (a reviewer reviews work reports, not the branch's
    roster and meetings); `committee_id`: only those of that committee's subtree (a committee below, drilled into)."""
    units = visible_units(user, reviewed=False).filter(kind=OrgUnit.Kind.BRANCH)
    if committee_id is None:
        return units
    return units.filter(pk__in=committee_branches([committee_id])[committee_id])


def can_keep_orglife(user, unit: OrgUnit) -> bool:
    """Edit the roster and record meetings of `unit`."""
    scope = scope_for(user)
    return not scope.is_anonymous and unit.kind == OrgUnit.Kind.BRANCH and unit.pk in scope.unit_ids


def can_manage_meeting_types(user) -> bool:
    """The duties and their cadence hold for every branch of the installation: the committee at the top sets them
    (in a tree of committees the 工委, not one bureau for its sisters)."""
    scope = scope_for(user)
    return scope.is_committee and root_committee_id() in scope.committee_ids


def committee_branches(committee_ids, *, tree: dict | None = None) -> dict[int, set[int]]:
    """{committee id: the branches of its subtree}: whose organisational life counts for that committee, as
    `orglife_units` gives its own members (one query of the unit tree, none given `unit_tree()`). The caller has the
    committees from the user's scope (the roll-up's, `plans_below`)."""
    tree = unit_tree() if tree is None else tree
    children: dict[int | None, list[int]] = {}
    for unit_id, (parent_id, _kind) in tree.items():
        children.setdefault(parent_id, []).append(unit_id)
    return {
        committee_id: {
            unit_id
            for unit_id in descendant_unit_ids([committee_id], children=children)
            if tree[unit_id][1] == OrgUnit.Kind.BRANCH
        }
        for committee_id in committee_ids
    }


def visible_party_members(user) -> QuerySet:
    return PartyMember.objects.filter(unit__in=orglife_units(user))


def visible_meetings(user) -> QuerySet:
    return MeetingRecord.objects.filter(unit__in=orglife_units(user))


def visible_meeting_files(user) -> QuerySet:
    return MeetingFile.objects.filter(record__in=visible_meetings(user))


def webhook_receives(owner, plan_id: int) -> bool:
    """An endpoint is sent the events of the plans its owner sees: the system administrator's (installation-wide
    integrations) every plan's, a committee member's those of their committee's subtree (never a sister's)."""
    if getattr(owner, "admin_duty", "") == User.AdminDuty.SYSTEM:
        return True
    return visible_plans(owner).filter(pk=plan_id).exists()


def can_manage_webhooks(user) -> bool:
    """Register outbound webhooks: a committee member, or the system administrator (who runs the integrations)."""
    return is_committee(user) or (getattr(user, "is_active", False) and getattr(user, "admin_duty", "") == "system")


def can_edit_webhook(user, endpoint) -> bool:
    """Change an endpoint's address and events, pause and re-enable it, rotate its secret, delete it, re-send from
    its log: its owner, while they may still manage webhooks. Anyone else's endpoint is a 404 on the pages."""
    return can_manage_webhooks(user) and endpoint.owner_id == getattr(user, "pk", None)
