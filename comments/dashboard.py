"""The moderation queue on the admin index: how many comments wait, how many were reported."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kawalis.dashboard import dashboard_panel

from .models import Comment


@dashboard_panel(order=20)
def moderation_queue(request):
    if not request.user.has_perm("comments.change_comment"):
        return None
    changelist = reverse("admin:comments_comment_changelist")
    return {
        "title": _("Comments to moderate"),
        "template": "comments/admin/_dashboard_panel.html",
        "pending": Comment.objects.pending().count(),
        "reported": Comment.objects.approved().reported().count(),
        "queue_url": f"{changelist}?status__exact=pending",
        "reported_url": f"{changelist}?reported=yes",
    }
