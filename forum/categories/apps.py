from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "forum.categories"
    label = "categories"
