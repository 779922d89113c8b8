"""三员分立 in the admin: every ModelAdmin registered in the site, ours or another app's, applies the duty rule."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from tasks.models import User
from tasks.security.duties import ModelClass, model_class
from tests.factories import UserFactory


@pytest.fixture
def accounts_with_every_permission(db):
    """One account per duty, and one without, each holding every model permission: only the duty rule refuses."""
    accounts = {}
    for duty in User.AdminDuty:
        user = UserFactory(username=f"account-{duty or 'none'}", is_staff=True, admin_duty=duty)
        user.user_permissions.set(Permission.objects.all())
        accounts[duty] = User.objects.get(pk=user.pk)  # no permission cache from before the grant
    return accounts


def opened(model_admin, user) -> dict[str, bool]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return {
        "module": model_admin.has_module_permission(request),
        "view": model_admin.has_view_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_change_permission(request),
        "delete": model_admin.has_delete_permission(request),
    }


def test_every_registered_admin_opens_to_a_duty_account_only_its_own_models(accounts_with_every_permission):
    wrong = []
    for model, model_admin in admin.site._registry.items():
        cls = model_class(model._meta.app_label, model._meta.model_name)
        for duty, user in accounts_with_every_permission.items():
            doors = opened(model_admin, user)
            own = not duty or cls == ModelClass(duty)  # an account without a duty is not affected
            if doors["module"] != own or doors["view"] != own or (not own and any(doors.values())):
                wrong.append((model._meta.label, duty or "no duty", doors))
    assert wrong == [], "an admin that escapes the duty rule must inherit tasks.security.duties.DutyAdminMixin"
