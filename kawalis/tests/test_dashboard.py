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
