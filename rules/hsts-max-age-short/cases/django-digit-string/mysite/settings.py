import os
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_HSTS_SECONDS = os.environ.get("DJANGO_HSTS_SECONDS", "3600")  # expect: hsts-max-age-short
