from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("cadastro/", views.signup, name="signup"),
    path("cadastro/verifique-seu-email/", views.signup_done, name="signup_done"),
    path("confirmar/<str:uid>/<str:token>/", views.confirm_email, name="confirm_email"),
    path("confirmar/reenviar/", views.confirmation_resend, name="confirmation_resend"),
    path("entrar/", views.login, name="login"),
    path("sair/", views.logout, name="logout"),
    path("sair-de-todos/", views.logout_everywhere, name="logout_everywhere"),
    path("senha/recuperar/", views.password_reset, name="password_reset"),
    path("senha/recuperar/enviado/", views.password_reset_done, name="password_reset_done"),
    path(
        "senha/redefinir/<str:uid>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"
    ),
    path("senha/alterar/", views.password_change, name="password_change"),
    path("dados/", views.profile, name="profile"),
    path("enderecos/", views.addresses, name="addresses"),
    path("enderecos/novo/", views.address_edit, name="address_add"),
    path("enderecos/<str:address_id>/editar/", views.address_edit, name="address_edit"),
    path("enderecos/<str:address_id>/excluir/", views.address_delete, name="address_delete"),
    path("enderecos/desfazer/", views.address_restore, name="address_restore"),
    path("excluir/", views.delete, name="delete"),
]
