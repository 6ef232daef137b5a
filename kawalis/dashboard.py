"""The editors' dashboard on the admin index, assembled from panels the apps register.

The project knows no app: each app registers its panels from its ``AppConfig.ready()``
(``articles`` its drafts and most read, ``comments`` its moderation queue, ``newsletter`` its
subscribers), so the one-way dependencies between apps hold here too.

A panel is a function ``(request) -> dict | None`` decorated with ``@dashboard_panel(order)``;
it returns None to stay hidden (e.g. for a user without the permission) or a dict with
``title``, ``template`` and any context that template needs.
"""

_panels = []


def dashboard_panel(order=100):
    def register(function):
        _panels.append((order, function))
        _panels.sort(key=lambda item: item[0])
        return function

    return register


def panels_for(request):
    """The panels this user may see, in order, each as its template context."""
    shown = []
    for _order, function in _panels:
        panel = function(request)
        if panel is not None:
            shown.append(panel)
    return shown
