from django.urls import path

from foodaid.views import counter, handouts, manage

app_name = "foodaid"

urlpatterns = [
    # The counter's tablet.
    path("counter/parcels/", counter.parcels_today, name="parcels-today"),
    path("counter/visits/<int:pk>/parcel/", counter.parcel_page, name="parcel"),
    path("counter/visits/<int:pk>/parcel/give/", counter.parcel_give, name="parcel-give"),
    path("counter/parcels/<int:pk>/", counter.distribution_page, name="distribution"),
    path(
        "counter/parcels/<int:pk>/correct/",
        counter.distribution_correct_view,
        name="distribution-correct",
    ),
    # The manager records again a parcel given offline.
    path(
        "manage/offline/<int:pk>/parcel/", counter.offline_parcel_retry_view, name="offline-retry"
    ),
    # The vestiaire's tablet: what was given.
    path("counter/visits/<int:pk>/handout/", handouts.handout_page, name="handout"),
    # The manager's templates.
    path("manage/parcels/", manage.parcel_templates_page, name="template-list"),
    path("manage/parcels/new/", manage.parcel_template_edit, name="template-new"),
    path("manage/parcels/<int:pk>/", manage.parcel_template_edit, name="template-edit"),
    path(
        "manage/parcels/<int:pk>/delete/",
        manage.parcel_template_delete_view,
        name="template-delete",
    ),
]
