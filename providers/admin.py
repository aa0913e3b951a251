from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import Location, LocationManager, Organization, User


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "email")


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class LocationRoleInline(admin.TabularInline):
    model = LocationManager
    extra = 0
    autocomplete_fields = ["location"]
    readonly_fields = ["created_at"]
    verbose_name = "location managed"
    verbose_name_plural = "locations managed"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering = ["username"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [LocationRoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["email", "first_name", "last_name"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "description": "Managers and staff sign in with their email: use it, "
                "lower-cased, as the username.",
                "fields": ["username", "email", "password1", "password2"],
            },
        ),
    ]


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "pin"]
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [LocationInline]


class ManagerInline(admin.TabularInline):
    model = LocationManager
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["pin", "name", "organization", "created_at"]
    list_select_related = ["organization"]
    list_filter = ["organization"]
    search_fields = ["pin", "name", "organization__name"]
    autocomplete_fields = ["organization"]
    inlines = [ManagerInline]


@admin.register(LocationManager)
class LocationManagerAdmin(admin.ModelAdmin):
    list_display = ["user", "location", "created_at"]
    list_select_related = ["user", "location"]
    list_filter = ["location__organization"]
    search_fields = ["user__email", "location__pin", "location__name"]
    autocomplete_fields = ["user", "location"]
