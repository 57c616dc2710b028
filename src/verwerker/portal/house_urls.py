from django.urls import path

from verwerker.portal import house_views

app_name = "portal_house"
urlpatterns = [
    path("", house_views.shops, name="shops"),
    path("nieuw/", house_views.shop_new, name="shop_new"),
    path("<int:shop_id>/", house_views.shop_detail, name="shop"),
    path("<int:shop_id>/producten/nieuw/", house_views.product_edit, name="product_new"),
    path("<int:shop_id>/producten/<int:product_id>/", house_views.product_edit, name="product"),
    path("<int:shop_id>/gebruikers/nieuw/", house_views.member_new, name="member_new"),
    path("<int:shop_id>/gebruikers/<int:member_id>/", house_views.member_edit, name="member_edit"),
    path("werk/", house_views.work, name="work"),
    path("werk/<int:order_id>/", house_views.work_detail, name="work_order"),
    path("werk/<int:order_id>/drukbestanden/<int:line_id>.pdf", house_views.print_file, name="print_file"),
    path("betaling/<str:provider>/webhook/", house_views.payment_webhook, name="payment_webhook"),
]
