from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("carrinho/", views.cart_detail, name="cart"),
    path("carrinho/adicionar/", views.cart_add, name="cart_add"),
    path("carrinho/<str:line_id>/atualizar/", views.cart_line_update, name="cart_line_update"),
    path("carrinho/<str:line_id>/remover/", views.cart_line_remove, name="cart_line_remove"),
    path("carrinho/desfazer/", views.cart_line_restore, name="cart_line_restore"),
    path("pedido/finalizar/", views.checkout_view, name="checkout"),
    path("pedido/sem-cadastro/", views.guest_checkout, name="guest_checkout"),
    path("pedido/acompanhar/<str:token>/", views.guest_order, name="guest_order"),
    path("pedido/acompanhar/<str:token>/cancelar/", views.guest_order_cancel, name="guest_order_cancel"),
    path("pedido/acompanhar/<str:token>/andamento/", views.guest_order_progress, name="guest_order_progress"),
    path("pedidos/", views.order_list, name="order_list"),
    path("pedidos/<str:order_id>/", views.order_detail, name="order_detail"),
    path("pedidos/<str:order_id>/andamento/", views.order_progress, name="order_progress"),
    path("pedidos/<str:order_id>/cancelar/", views.order_cancel, name="order_cancel"),
    path("pedidos/<str:order_id>/pedir-de-novo/", views.order_reorder, name="order_reorder"),
]
