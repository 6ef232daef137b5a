"""Import time and peak memory of ``manage.py import_wordpress`` as the export grows.

    .venv/bin/python bench/wordpress_import.py                    # 1,000 and 10,000 posts
    .venv/bin/python bench/wordpress_import.py --posts 500,2000 --comments-per-post 10

For each size a WXR export is generated (posts in Arabic with paragraphs, a shortcode, tags,
a category, threaded comments: ``--comments-per-post`` each, so 10,000 posts make 100,000
comments) and imported into a fresh SQLite database by a child process, whose wall time and
peak resident memory are measured. The baseline is the smallest size, in the same run: the
time should grow with the posts, the memory should not (the export is streamed).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>bench</title><link>https://old.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_blog_url>https://old.example</wp:base_blog_url>
<wp:author><wp:author_login>desk</wp:author_login>
  <wp:author_display_name>هيئة التحرير</wp:author_display_name></wp:author>
<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename>watani</wp:category_nicename>
  <wp:cat_name>وطني</wp:cat_name></wp:category>
"""
TAGS = 50


def write_export(path, posts, comments_per_post):
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        for n in range(TAGS):
            out.write(
                f"<wp:tag><wp:tag_slug>tag-{n}</wp:tag_slug><wp:tag_name>وسم {n}</wp:tag_name></wp:tag>\n"
            )
        for post in range(1, posts + 1):
            comments = "".join(
                f"<wp:comment><wp:comment_id>{c}</wp:comment_id><wp:comment_author>قارئ</wp:comment_author>"
                f"<wp:comment_author_email>r{c}@example.com</wp:comment_author_email>"
                f"<wp:comment_date_gmt>2024-01-02 10:00:00</wp:comment_date_gmt>"
                f"<wp:comment_content><![CDATA[تعليق رقم {c} على الخبر]]></wp:comment_content>"
                f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{c - 1 if c % 3 else 0}"
                f"</wp:comment_parent></wp:comment>"
                for c in range(1, comments_per_post + 1)
            )
            out.write(
                f"<item><title>خبر رقم {post}</title><link>https://old.example/2024/01/story-{post}/</link>"
                f"<dc:creator>desk</dc:creator><content:encoded><![CDATA[الفقرة الأولى من الخبر {post}\n\n"
                f"[caption]صورة[/caption] الفقرة الثانية مع تفاصيل أكثر.]]></content:encoded>"
                f"<wp:post_id>{post}</wp:post_id><wp:post_date_gmt>2024-01-01 08:00:00</wp:post_date_gmt>"
                f"<wp:post_name>story-{post}</wp:post_name><wp:status>publish</wp:status>"
                f"<wp:post_type>post</wp:post_type><wp:comment_status>open</wp:comment_status>"
                f'<category domain="category" nicename="watani">وطني</category>'
                f'<category domain="post_tag" nicename="tag-{post % TAGS}">وسم</category>'
                f"{comments}</item>\n"
            )
        out.write("</channel></rss>\n")


def run(posts, comments_per_post, folder):
    export = folder / f"export-{posts}.xml"
    write_export(export, posts, comments_per_post)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{folder / f'bench-{posts}.sqlite3'}",
        "CACHE_PATH": str(folder / f"cache-{posts}.sqlite3"),
        "MEDIA_ROOT": str(folder / "media"),
        "REDIS_URL": "",
        "LOG_LEVEL": "warning",
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = (
        "import resource, subprocess, sys, time; started = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    measured = subprocess.run(
        [sys.executable, "-c", script, PYTHON, "manage.py", "import_wordpress", str(export)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, peak_kib = measured.stdout.split()
    return {
        "posts": posts,
        "comments": posts * comments_per_post,
        "megabytes": export.stat().st_size / 1e6,
        "seconds": float(seconds),
        "peak_mib": int(peak_kib) / 1024,
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", default="1000,10000", help="comma-separated sizes")
    parser.add_argument("--comments-per-post", type=int, default=10)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.posts.split(","))
    with tempfile.TemporaryDirectory(prefix="kawalis-wp-bench-") as folder:
        rows = [run(size, args.comments_per_post, Path(folder)) for size in sizes]
    base = rows[0]
    header = ["posts", "comments", "export MB", "seconds", "posts/s", "peak MiB", "time / smallest"]
    print("| " + " | ".join([*header, "memory / smallest"]) + " |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['posts']:,} | {row['comments']:,} | {row['megabytes']:.1f} | {row['seconds']:.1f} | "
            f"{row['posts'] / row['seconds']:.0f} | {row['peak_mib']:.0f} | "
            f"{row['seconds'] / base['seconds']:.2f}× | {row['peak_mib'] / base['peak_mib']:.2f}× |"
        )


if __name__ == "__main__":
    main()
