"""Backup then restore gives back the same rows and the same images (SQLite, and PostgreSQL when
DATABASE_URL points at one: pg_dump and pg_restore for real)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles.models import Article, Category
from kawalis.backups import row_counts


def jpeg_bytes():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_the_same_counts_and_the_same_images(make_article, tmp_path):
    for _n in range(3):
        make_article()
    photo = default_storage.save("articles/2026/photo.jpg", ContentFile(jpeg_bytes()))
    rendition = default_storage.save("renditions/photo-640.webp", ContentFile(b"RIFF-test-rendition"))
    before = row_counts()
    images = {name: default_storage.open(name).read() for name in (photo, rendition)}
    call_command("backup_site", str(tmp_path / "backup"))
    # What a bad day does: stories deleted, an upload lost, something new written over it all.
    Article.objects.all().delete()
    default_storage.delete(photo)
    Category.objects.create(name_ar="قسم جديد", slug="after-the-backup")

    call_command("restore_site", str(tmp_path / "backup"), "--yes")

    assert row_counts() == before
    assert Article.objects.count() == 3
    assert not Category.objects.filter(slug="after-the-backup").exists()
    assert {name: default_storage.open(name).read() for name in images} == images


@pytest.mark.django_db
def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match=r"holds no manifest\.json"):
        call_command("restore_site", str(tmp_path), "--yes")


@pytest.mark.django_db
def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "something.txt").write_text("kept")

    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup_site", str(tmp_path))
