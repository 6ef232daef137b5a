from django.contrib import admin

from .models import ImportedObject


@admin.register(ImportedObject)
class ImportedObjectAdmin(admin.ModelAdmin):
    """What the imports made, to look up where an old WordPress object went: read only."""

    list_display = ["kind", "source_id", "object_id", "site", "imported_at", "updated_at"]
    list_filter = ["kind", "site"]
    search_fields = ["source_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
