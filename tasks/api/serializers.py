"""How objects look in the API. Read-only shapes of the models; writes go through services (views.py), never
through a serializer's save()."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks import access
from tasks.models import (
    AnnualPlan,
    Area,
    Assignment,
    Attendance,
    Evidence,
    ExtensionRequest,
    KeyTask,
    MeetingFile,
    MeetingRecord,
    MeetingType,
    OrgUnit,
    PartyGroup,
    PartyMember,
    ProgressReport,
)
from tasks.rules import Light
from tasks.services.orglife.types import MEETING_TYPE_FIELDS


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnnualPlan
        fields = ["id", "year", "title", "status", "created_at"]


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "plan", "code", "name", "sort_order"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "short_name", "kind", "parent", "sort_order", "is_active"]


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class KeyTaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id")


class KeyTaskSerializer(serializers.ModelSerializer):
    responsible_leader = PersonSerializer(allow_null=True)
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    progress = serializers.SerializerMethodField(help_text="weighted mean of its assignments' approved progress (%)")

    class Meta:
        model = KeyTask
        fields = [
            "id",
            "plan",
            "area",
            "number",
            "title",
            "description",
            "lead_unit",
            "cooperating_units",
            "responsible_leader",
            "start_date",
            "deadline",
            "metric_name",
            "metric_unit",
            "target_value",
            "weight",
            "cadence",
            "evidence_required",
            "progress",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=4, decimal_places=1))
    def get_progress(self, key_task) -> str:
        return str(self.context["progress"].get(key_task.pk, "0.0"))


class AssignmentSerializer(serializers.ModelSerializer):
    key_task = KeyTaskRefSerializer()
    unit = UnitRefSerializer()
    owner = PersonSerializer(allow_null=True)
    light = serializers.ChoiceField(choices=Light.choices, help_text="warning light (预警灯), computed, never typed in")
    light_label = serializers.SerializerMethodField()
    progress = serializers.IntegerField(help_text="approved progress (%)")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "key_task",
            "unit",
            "owner",
            "deadline",
            "original_deadline",
            "progress",
            "actual_value",
            "weight",
            "status",
            "completed_at",
            "light",
            "light_label",
            "last_approved_at",
            "version",
        ]

    def get_light_label(self, assignment) -> str:
        return str(Light(assignment.light).label)


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField(help_text="the file, for whoever may see the report")

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "download"]

    def get_download(self, evidence) -> str:
        return reverse("api:evidence-download", args=[evidence.pk])


class ReportSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    reviewer = PersonSerializer(allow_null=True)
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "assignment",
            "author",
            "percent",
            "actual_value",
            "narrative",
            "obstacles",
            "decrease_reason",
            "state",
            "corrects",
            "reviewer",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "evidence",
            "version",
        ]


class ExtensionSerializer(serializers.ModelSerializer):
    requested_by = PersonSerializer()
    decided_by = PersonSerializer(allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "assignment",
            "requested_by",
            "reason",
            "current_deadline",
            "requested_deadline",
            "current_progress",
            "state",
            "decided_by",
            "decision_comment",
            "created_at",
            "decided_at",
        ]


# --- The dashboard's figures (tasks.selectors.dashboard, one definition each) ----------------------------


class LightCountsSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="assignments by light")
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    progress = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="加权进度: weighted progress (%)")
    completion_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="办结率: completed / assignments (%)"
    )
    on_time_rate = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, help_text="按期完成率: completed on time / completed (%)"
    )


class AreaFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="area.pk")
    name = serializers.CharField(source="area.name")
    key_tasks = serializers.IntegerField()
    progress = serializers.DecimalField(max_digits=4, decimal_places=1)
    lights = LightCountsSerializer()


class UnitFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="unit_id")
    name = serializers.CharField()
    rank = serializers.SerializerMethodField(
        help_text="The unit's rank: only for the committee whose plan it is (rankings are its own), else null"
    )
    lights = LightCountsSerializer()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_rank(self, row) -> int | None:
        return row.rank if self.context.get("ranked") else None


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    due = serializers.IntegerField()
    completed = serializers.IntegerField()
    expected_rate = serializers.DecimalField(max_digits=4, decimal_places=1)
    actual_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class DashboardSerializer(serializers.Serializer):
    plan = PlanSerializer()
    today = serializers.DateField()
    lights = LightCountsSerializer()
    key_task_count = serializers.IntegerField()
    overall_progress = serializers.DecimalField(max_digits=4, decimal_places=1)
    areas = AreaFiguresSerializer(many=True)
    units = UnitFiguresSerializer(many=True)
    months = MonthSerializer(many=True)
    due_soon_count = serializers.IntegerField()
    due_soon_until = serializers.DateField()
    reports_waiting_count = serializers.IntegerField()


# --- Requests of the writes (shapes only: the services decide what is allowed) ----------------------------


class ReportCreateSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="progress (%)")
    narrative = serializers.CharField(max_length=5000, help_text="what was done")
    actual_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, help_text="against the target"
    )
    obstacles = serializers.CharField(
        max_length=3000, required=False, allow_blank=True, help_text="difficulties and help needed (困难和需协调事项)"
    )
    decrease_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="why progress is lower than approved"
    )
    keep_evidence = serializers.BooleanField(
        required=False,
        default=False,
        help_text="a report correcting a returned one keeps that report's evidence files (copied), with any new ones",
    )
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        help_text="evidence files (PDF, JPG, PNG, .docx, .xlsx); multipart/form-data, one part per file",
    )


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="why the report is returned (the author sees it)")


class ExtensionCreateSerializer(serializers.Serializer):
    requested_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true: approve (the deadline moves); false: refuse (say why)")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- Organisational life (组织生活): the roster and meeting records (tasks.services.orglife) --------------------


class MeetingTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingType
        fields = ["id", "code", *MEETING_TYPE_FIELDS]


class MeetingTypeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class PartyGroupRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PartyMemberSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    party_group = PartyGroupRefSerializer(allow_null=True)

    class Meta:
        model = PartyMember
        fields = ["id", "unit", "name", "gender", "category", "party_group", "joined_on", "status"]


class AttendanceSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.name")

    class Meta:
        model = Attendance
        fields = ["member", "name", "status", "reason"]


class MeetingFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")

    class Meta:
        model = MeetingFile
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at"]


class MeetingRecordSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    types = MeetingTypeRefSerializer(many=True)
    party_group = PartyGroupRefSerializer(allow_null=True)
    expected_count = serializers.IntegerField(help_text="应到: members on the attendance list")
    present_count = serializers.IntegerField(help_text="实到")
    leave_count = serializers.IntegerField(help_text="请假")
    absent_count = serializers.IntegerField(help_text="缺席")
    attendance_rate = serializers.FloatField(allow_null=True, help_text="实到 / 应到 (0 to 1), null if nobody expected")

    class Meta:
        model = MeetingRecord
        fields = [
            "id",
            "unit",
            "types",
            "party_group",
            "held_on",
            "place",
            "host",
            "recorder",
            "topics",
            "lecturer",
            "lecture_title",
            "expected_count",
            "present_count",
            "leave_count",
            "absent_count",
            "attendance_rate",
            "created_at",
            "version",
        ]


class MeetingRecordDetailSerializer(MeetingRecordSerializer):
    attendance = AttendanceSerializer(many=True, help_text="one line per member expected (应到)")
    files = MeetingFileSerializer(many=True, help_text="photos, the sign-in sheet (added on the web)")

    class Meta(MeetingRecordSerializer.Meta):
        fields = [*MeetingRecordSerializer.Meta.fields, "minutes", "attendance", "files"]


class AttendanceLineSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="a party member's id (the roster)")
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="the reason for leave (请假)"
    )


class MeetingRecordWriteSerializer(serializers.Serializer):
    """A meeting record's fields as the web form has them; the service (tasks.services.orglife.meetings) checks the
    rules and answers in Chinese: a date in the future, a member or party group of another branch, leave without a
    reason, a second record of the same meeting."""

    types = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=MeetingType.objects.all(),
        help_text="the types' codes (meeting-types/); one meeting may count for several",
    )
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=100, allow_blank=True)
    host = serializers.CharField(max_length=30, allow_blank=True, help_text="who chaired it")
    recorder = serializers.CharField(max_length=30, allow_blank=True, help_text="who took the minutes")
    topics = serializers.CharField(max_length=1000, allow_blank=True)
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    lecturer = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    lecture_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    party_group = serializers.PrimaryKeyRelatedField(
        queryset=PartyGroup.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="for a party group meeting (党小组会): the group that met",
    )
    attendance = AttendanceLineSerializer(
        many=True, help_text="one line per member expected (应到), usually the branch's members on the roll"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The caller (context "user"): the groups and branches it may name. Without one (the schema), none.
        self.user = self.context.get("user")
        if self.user is not None:
            units = access.orglife_units(self.user)
            self.fields["party_group"].queryset = PartyGroup.objects.filter(unit__in=units)

    def validate_attendance(self, lines):
        # A member the caller may not see is refused by number, never by name (the service names the others).
        ids = {line["member"] for line in lines}
        seen = set(access.visible_party_members(self.user).filter(pk__in=ids).values_list("pk", flat=True))
        hidden = sorted(ids - seen)
        if hidden:
            raise serializers.ValidationError(
                [_("#%(id)d is not a member of this branch.") % {"id": member_id} for member_id in hidden]
            )
        return lines


class MeetingRecordCreateSerializer(MeetingRecordWriteSerializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.none(), help_text="the branch that met (units/, a 党支部)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["unit"].queryset = access.orglife_units(self.user)
