MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = True  # expect: ssl-redirect-loop
