"""The pizzeria's own profile: the bottom layer that menu, orders and the back office all read.

Apps read it through ``selectors`` and change it through ``services``; nothing here imports an app.
"""
