"""The admin's task list, with "Run again" for failed tasks (a lost worker's: kawalis/worker_watch.py),
and the staff accounts with their two-factor sign-in (reset by an Administrator)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import two_factor

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    actions = ["run_again"]

    def has_run_again_permission(self, request):
        # Running a task again repeats its side effects (e-mails...): for those who may manage tasks.
        return request.user.is_superuser or request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.action(description=_("Run again (failed tasks only)"), permissions=["run_again"])
    def run_again(self, request, queryset):
        """Enqueue each selected failed task again: the same task, the same arguments."""
        queued = 0
        for result in queryset.filter(status=TaskResultStatus.FAILED):
            arguments = result.args_kwargs
            result.task.enqueue(*arguments["args"], **arguments["kwargs"])
            queued += 1
        message = ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", queued)
        level = messages.SUCCESS if queued else messages.WARNING
        self.message_user(request, message % {"count": queued}, level)


# --- Staff accounts: two-factor sign-in (kawalis/two_factor.py) -------------------------------

# django-otp's own device admin shows each app's secret key to whoever may view it: an
# Administrator needs only to see who is enrolled and to reset a lost phone (below).
admin.site.unregister(TOTPDevice)
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = [*UserAdmin.list_display, "two_factor"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(enrolled))

    @admin.display(description=_("two-factor sign-in"), boolean=True, ordering="has_two_factor")
    def two_factor(self, user):
        return user.has_two_factor

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """Forget the selected users' authenticator apps and recovery codes: each sets up two-factor
        sign-in again at their next sign-in (if their role requires it)."""
        users = list(queryset)
        for user in users:
            two_factor.reset(user)
        message = ngettext(
            "Two-factor sign-in reset for %(count)d user.",
            "Two-factor sign-in reset for %(count)d users.",
            len(users),
        )
        self.message_user(request, message % {"count": len(users)}, messages.SUCCESS)
