from django.urls import path

from passes import views

app_name = "passes"

urlpatterns = [
    path("social/", views.home_social_worker, name="home-social-worker"),
    path("partner/", views.home_partner_head, name="home-partner-head"),
]
