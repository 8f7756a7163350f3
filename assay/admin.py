"""The operator's staff view (Django admin) of organizations, users and projects."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from assay.models import (
    ApiToken,
    Domain,
    ExpertProfile,
    GuidelineVersion,
    Item,
    Judgment,
    Membership,
    Organization,
    Project,
    User,
)


@admin.register(User)
class AssayUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("email", "first_name", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Assay", {"fields": ("role",)}))  # type: ignore[misc]


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_at")
    inlines = [MembershipInline]
    search_fields = ("name",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "organization", "status", "overlap", "pay_cents", "estimated_minutes")
    list_filter = ("status", "admission")
    search_fields = ("name",)
    raw_id_fields = ("guidelines", "created_by")


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("external_id", "project", "judgment_count", "reserved")
    list_filter = ("project",)
    search_fields = ("external_id",)


@admin.register(Judgment)
class JudgmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "project", "item", "expert", "choice", "strength", "created_at")
    list_filter = ("project", "choice")
    raw_id_fields = ("lease", "item", "expert", "guidelines")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Operators maintain the taxonomy here: names, and which domains are sensitive."""

    list_display = ("name", "slug", "sensitive")
    list_editable = ("sensitive",)


admin.site.register(ExpertProfile)
admin.site.register(GuidelineVersion)
admin.site.register(ApiToken, list_display=("name", "user", "prefix", "created_at", "revoked_at"))
