from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """django.contrib.admin, with our site (cvms.admin.PortalAdminSite) as admin.site."""

    default_site = "cvms.admin.PortalAdminSite"
