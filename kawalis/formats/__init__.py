"""The newsroom's date formats (FORMAT_MODULE_PATH): day first in every language, 24-hour time.

Django's own Arabic formats say «ديسمبر 2, 2026» (no DATETIME_FORMAT of its own, so the English
one) and «9:13 م»; Moroccan newsrooms write «2 دجنبر 2026 - 21:13» (articles/arabic.py). The
Moroccan month names themselves come from our Arabic catalogue, which overrides Django's.
Input formats are left to Django (ISO first), so forms and date pickers parse as before.
"""
