from django.apps import AppConfig


class ReaderCacheConfig(AppConfig):
    name = "kawalis.readercache"
    label = "readercache"
    verbose_name = "Readers' cache"
