MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
MIDDLEWARE.remove("django.middleware.security.SecurityMiddleware")  # expect: security-middleware-missing
MIDDLEWARE.insert(0, "whitenoise.middleware.WhiteNoiseMiddleware")
SECURE_SSL_REDIRECT = True
