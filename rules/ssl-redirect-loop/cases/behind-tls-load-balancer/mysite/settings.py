MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True  # expect: ssl-redirect-loop
SECURE_HSTS_SECONDS = 63072000
