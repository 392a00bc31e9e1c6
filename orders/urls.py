from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("carrinho/", views.cart_detail, name="cart"),
    path("carrinho/adicionar/", views.cart_add, name="cart_add"),
    path("carrinho/<str:line_id>/atualizar/", views.cart_line_update, name="cart_line_update"),
    path("carrinho/<str:line_id>/remover/", views.cart_line_remove, name="cart_line_remove"),
]
