"""Settings for www.acme-shop.com."""
from .base import *  # noqa: F401,F403

DEBUG = False
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 63072000
CSRF_COOKIE_SECURE = True
