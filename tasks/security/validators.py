"""Password rules (等保 2.0): length is Django's MinimumLengthValidator; these add the rest."""

import re

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CHARACTER_CLASSES = [re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]")]


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if sum(1 for pattern in CHARACTER_CLASSES if pattern.search(password)) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(count)d of: lower-case letters, upper-case letters, digits, "
                    "other characters."
                )
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Mix at least %(count)d of: lower-case letters, upper-case letters, digits, other characters.") % {
            "count": self.min_classes
        }


class NotUsernameValidator:
    """The password may not be, or contain, the account name (in either direction or any case)."""

    def validate(self, password, user=None):
        username = (user.get_username() if user is not None else "") or ""
        lowered, name = password.lower(), username.lower()
        if name and (name in lowered or name[::-1] in lowered):
            raise ValidationError(_("The password may not contain the account name."), code="password_is_username")

    def get_help_text(self):
        return _("The password may not contain the account name.")


class PasswordHistoryValidator:
    """The new password may not be any of the user's last `count` passwords (the current one included)."""

    def __init__(self, count: int | None = None):
        self.count = count

    def _count(self) -> int:
        return self.count if self.count is not None else settings.PASSWORD_HISTORY_COUNT

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        from tasks.models import PasswordHistory, User

        history = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)
        recent = list(history[: self._count()])
        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current:
            recent.append(current)
        if any(check_password(password, encoded) for encoded in recent if encoded):
            raise ValidationError(
                ngettext(
                    "The password may not repeat your last password.",
                    "The password may not repeat any of your last %(count)d passwords.",
                    self._count(),
                )
                % {"count": self._count()},
                code="password_reused",
            )

    def get_help_text(self):
        return _("The password may not repeat any of your last %(count)d passwords.") % {"count": self._count()}
