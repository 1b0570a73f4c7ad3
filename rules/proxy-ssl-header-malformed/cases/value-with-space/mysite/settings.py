MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https ")  # expect: proxy-ssl-header-malformed
