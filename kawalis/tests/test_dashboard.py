from django.contrib.auth.models import User

from kawalis import dashboard


def test_admin_index_renders_the_registered_panels(client, db, monkeypatch, tmp_path, settings):
    panel_template = tmp_path / "panel.html"
    panel_template.write_text("<section>{{ title }}: {{ figure }}</section>")
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], tmp_path]
    settings.TEMPLATES = [engine]
    monkeypatch.setattr(dashboard, "_panels", [])

    @dashboard.dashboard_panel(order=2)
    def second(request):
        return {"title": "Second", "template": "panel.html", "figure": 2}

    @dashboard.dashboard_panel(order=1)
    def first(request):
        return {"title": "First", "template": "panel.html", "figure": 1}

    @dashboard.dashboard_panel(order=3)
    def hidden(request):
        return None

    admin = User.objects.create_superuser("chief", "chief@example.com", "pass-chief-123")
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert html.index("<section>First: 1</section>") < html.index("<section>Second: 2</section>")
    assert html.count("<section>") == 2


def test_admin_pages_carry_the_newsrooms_name_in_the_editors_language(client, db):
    editor = User.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")
    client.force_login(editor)

    arabic = client.get("/admin/").content.decode()
    french = client.get("/fr/admin/").content.decode()

    assert "غرفة أخبار كواليس اليوم" in arabic and "مكتب التحرير" in arabic
    assert "Rédaction de Kawalis Al-Yawm" in french
    assert "جانغو" not in arabic and "Django" not in french.split("<body", 1)[1]
