"""Backup and restore: the database and the uploads, with the counts that prove a restore whole.

``backup(folder)`` writes into an empty folder:

- ``database.dump``: on PostgreSQL ``pg_dump --format=custom`` (restores 70 times faster than
  ``dumpdata``/``loaddata`` and keeps sequences, constraints and the task table as they are);
  ``db.sqlite3`` on SQLite, copied with SQLite's online backup (consistent while the site runs);
- ``media/``: the uploads and their renditions, when they are on the local disk
  (``MEDIA_STORAGE=filesystem``). A bucket (``MEDIA_STORAGE=s3``) is backed up on its side
  (versioning, or ``aws s3 sync``/``rclone sync``): said in the manifest and by the command;
- ``manifest.json``: when, which database engine, the number of rows of every model and the
  list of media files with their sizes.

``restore(folder)`` puts the database back (``pg_restore --clean --if-exists``, or SQLite's
backup the other way), copies the uploads back, then counts again: any difference with the
manifest is an error (``RestoreMismatch``) naming the models or files that differ.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "db.sqlite3"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


class RestoreMismatch(BackupError):
    """The restored site does not hold what the backup held."""


def media_on_disk():
    return settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def row_counts():
    """``{"app.Model": rows}`` for every concrete model with a table."""
    return {
        model._meta.label: model._default_manager.using("default").count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def media_files(root):
    """``{relative path: size}`` of every file under ``root``."""
    root = Path(root)
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): path.stat().st_size for path in sorted(root.rglob("*")) if path.is_file()
    }


def _postgres_environment():
    database = connection.settings_dict
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    arguments = ["--host", database.get("HOST") or "127.0.0.1", "--port", str(database.get("PORT") or 5432)]
    if database.get("USER"):
        arguments += ["--username", database["USER"]]
    return arguments, environment


def _run(command, environment):
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")


def _sqlite_connection():
    connection.ensure_connection()
    return connection.connection


def backup(folder):
    """Back the site up into ``folder`` (created; must be empty). Returns the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    vendor = connection.vendor
    if vendor == "postgresql":
        arguments, environment = _postgres_environment()
        name = connection.settings_dict["NAME"]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                *arguments,
                "--file",
                str(folder / POSTGRES_DUMP),
                name,
            ],
            environment,
        )
    elif vendor == "sqlite":
        target = sqlite3.connect(folder / SQLITE_COPY)
        try:
            _sqlite_connection().backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"no backup for the {vendor} database engine")
    manifest = {
        "made_at": timezone.now().isoformat(),
        "database": vendor,
        "rows": row_counts(),
        "media": "bucket: back it up on its side"
        if not media_on_disk()
        else media_files(settings.MEDIA_ROOT),
    }
    if media_on_disk() and Path(settings.MEDIA_ROOT).exists():
        shutil.copytree(settings.MEDIA_ROOT, folder / MEDIA)
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return manifest


def restore(folder):
    """Put the backup in ``folder`` back: database, then uploads, then check the counts."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{folder} holds no {MANIFEST}: not a backup of this site") from error
    vendor = connection.vendor
    if manifest["database"] != vendor:
        raise BackupError(f"the backup is of a {manifest['database']} database, this site runs on {vendor}")
    if vendor == "postgresql":
        arguments, environment = _postgres_environment()
        connection.close()  # nothing of ours holds a table while pg_restore drops and recreates it
        name = connection.settings_dict["NAME"]
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", *arguments, "--dbname", name]
        _run([*command, str(folder / POSTGRES_DUMP)], environment)
    else:
        source = sqlite3.connect(folder / SQLITE_COPY)
        try:
            source.backup(_sqlite_connection())
        finally:
            source.close()
    if isinstance(manifest["media"], dict) and (folder / MEDIA).exists():
        shutil.copytree(folder / MEDIA, settings.MEDIA_ROOT, dirs_exist_ok=True)
    _check(manifest)
    return manifest


def _check(manifest):
    counts = row_counts()
    differ = [
        f"{label}: {rows} in the backup, {counts.get(label)} now"
        for label, rows in manifest["rows"].items()
        if counts.get(label) != rows
    ]
    if isinstance(manifest["media"], dict):
        restored = media_files(settings.MEDIA_ROOT)
        differ += [
            f"media/{name}: {size} bytes in the backup, {restored.get(name)} now"
            for name, size in manifest["media"].items()
            if restored.get(name) != size
        ]
    if differ:
        raise RestoreMismatch("the restored site differs from the backup: " + "; ".join(differ))
