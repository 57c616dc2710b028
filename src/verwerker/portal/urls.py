from django.urls import path

from verwerker.portal import views

app_name = "portal"
urlpatterns = [
    path("<slug:slug>/", views.shop_home, name="shop"),
    path("<slug:slug>/thema.css", views.theme_css, name="theme"),
    path("<slug:slug>/logo.png", views.logo, name="logo"),
    path("<slug:slug>/producten/<int:product_id>/", views.product, name="product"),
    path("<slug:slug>/producten/<int:product_id>/voorbeeld.png", views.preview_png, name="preview"),
    path("<slug:slug>/producten/<int:product_id>/proef.pdf", views.proof_pdf, name="proof"),
    path("<slug:slug>/winkelwagen/", views.cart, name="cart"),
    path("<slug:slug>/afrekenen/", views.checkout, name="checkout"),
    path("<slug:slug>/bestellingen/", views.orders, name="orders"),
    path("<slug:slug>/bestellingen/<str:number>/", views.order_detail, name="order"),
    path("<slug:slug>/bestellingen/<str:number>/opnieuw/", views.reorder, name="reorder"),
    path("<slug:slug>/bestellingen/<str:number>/beslissen/", views.decide, name="decide"),
    path("<slug:slug>/goedkeuren/", views.approvals, name="approvals"),
    path("<slug:slug>/adressen/", views.addresses, name="addresses"),
    path("<slug:slug>/gebruikers/", views.users, name="users"),
    path("<slug:slug>/gebruikers/<int:member_id>/", views.user_edit, name="user_edit"),
    path("<slug:slug>/instellingen/", views.settings_page, name="settings"),
]
