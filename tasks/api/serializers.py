"""How objects look in the API. Read-only shapes of the models; writes go through services (views.py), never
through a serializer's save()."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks.models import AnnualPlan, Area, Assignment, Evidence, ExtensionRequest, KeyTask, OrgUnit, ProgressReport
from tasks.rules import Light


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
    rank = serializers.IntegerField()
    lights = LightCountsSerializer()


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
