"""The catalogue: /gestion/<organiser>/catalogue/…"""

from django.urls import path

from . import membership_type, views

app_name = "catalog"

EVENT = "catalogue/<int:event_id>/"
PRODUCT = EVENT + "produits/<int:product_id>/"

urlpatterns = [
    path("catalogue/", views.index, name="index"),
    path("catalogue/nouveau/", views.event_create, name="event_create"),
    path(EVENT, views.event_detail, name="event"),
    path(EVENT + "modifier/", views.event_edit, name="event_edit"),
    path(EVENT + "dupliquer/", views.event_duplicate, name="event_duplicate"),
    path(EVENT + "dates/nouvelle/", views.date_create, name="date_create"),
    path(EVENT + "dates/<int:date_id>/", views.date_edit, name="date_edit"),
    path(EVENT + "dates/<int:date_id>/supprimer/", views.date_delete, name="date_delete"),
    path(EVENT + "quotas/nouveau/", views.quota_create, name="quota_create"),
    path(EVENT + "quotas/<int:quota_id>/", views.quota_edit, name="quota_edit"),
    path(EVENT + "quotas/<int:quota_id>/supprimer/", views.quota_delete, name="quota_delete"),
    path(EVENT + "produits/nouveau/", views.product_create, name="product_create"),
    path(PRODUCT, views.product_detail, name="product"),
    path(PRODUCT + "modifier/", views.product_edit, name="product_edit"),
    # its own parameter names: the page walk (tests/backoffice/pages.py) fills them with a membership product
    path("catalogue/<int:membership_event_id>/produits/<int:membership_product_id>/adhesion/",
         membership_type.membership_type_edit, name="membership_type_edit"),
    path(PRODUCT + "desactiver/", views.product_active, {"active": False}, name="product_deactivate"),
    path(PRODUCT + "activer/", views.product_active, {"active": True}, name="product_activate"),
    path(PRODUCT + "supprimer/", views.product_delete, name="product_delete"),
    path(PRODUCT + "tarifs/nouveau/", views.price_create, name="price_create"),
    path(PRODUCT + "tarifs/<int:price_id>/", views.price_edit, name="price_edit"),
    path(PRODUCT + "tarifs/<int:price_id>/desactiver/", views.price_active, {"active": False},
         name="price_deactivate"),
    path(PRODUCT + "tarifs/<int:price_id>/activer/", views.price_active, {"active": True}, name="price_activate"),
    path(PRODUCT + "tarifs/<int:price_id>/supprimer/", views.price_delete, name="price_delete"),
    path(PRODUCT + "questions/nouvelle/", views.question_create, name="question_create"),
    path(PRODUCT + "questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path(PRODUCT + "questions/<int:question_id>/supprimer/", views.question_delete, name="question_delete"),
]
