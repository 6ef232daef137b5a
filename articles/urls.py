from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("category/<str:slug>/", views.category_detail, name="category"),
    path("tag/<str:slug>/", views.tag_detail, name="tag"),
    path("author/<str:slug>/", views.author_detail, name="author"),
    path("search/", views.search, name="search"),
    path("article/<int:pk>/", views.article_detail, name="detail_short"),
    path("live/<int:pk>/", views.live_updates, name="live_updates"),
    path("article/<int:pk>/<str:slug>/", views.article_detail, name="detail"),
    path("views/<str:signed>/", views.view_beacon, name="view_beacon"),
]
