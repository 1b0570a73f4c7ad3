# A CSRF_TRUSTED_ORIGINS entry without a scheme: Django 4.0 made origins need one and added the
# check 4_0.E001 (django/core/checks/compatibility/django_4_0.py); 3.2 accepts host names.
SECRET_KEY = "version-case-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["app.example.com"]
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
CSRF_TRUSTED_ORIGINS = ["app.example.com", "https://ok.example.com"]
