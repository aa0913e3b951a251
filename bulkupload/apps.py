from django.apps import AppConfig


class BulkuploadConfig(AppConfig):
    name = "bulkupload"
    verbose_name = "Bulk upload"
