# Strings where booleans and numbers belong, judged the same by 3.2, 4.2 and 5.2: W008 tests
# SECURE_SSL_REDIRECT `is True` (the string "True" fires it, though SecurityMiddleware redirects
# on its truthiness), W004 tests SECURE_HSTS_SECONDS' truthiness (the string "0" passes, though
# it sends max-age=0).
SECRET_KEY = "version-case-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["app.example.com"]
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = "True"
SECURE_HSTS_SECONDS = "0"
