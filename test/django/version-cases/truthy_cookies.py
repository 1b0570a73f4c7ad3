# Cookie flags that are truthy but not True. Django's cookies get Secure either way (set_cookie
# tests truthiness in every version); the checks differ: up to 4.0 W012/W016 test truthiness
# (silent here), from 4.1 `is True` (W012 and W016 here).
SECRET_KEY = "version-case-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["app.example.com"]
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
SESSION_COOKIE_SECURE = 1
CSRF_COOKIE_SECURE = "yes"
