"""The admin's task list, with "Run again" for failed tasks (a lost worker's: kawalis/worker_watch.py)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

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
