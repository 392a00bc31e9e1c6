from django.apps import AppConfig


class PizzeriaConfig(AppConfig):
    name = "ocipizza.pizzeria"
    label = "pizzeria"
    verbose_name = "Pizzeria profile"
