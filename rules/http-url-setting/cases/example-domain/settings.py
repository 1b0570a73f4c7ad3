# Documentation names are real sites in the projects built from samples.
SECURE_SSL_REDIRECT = True
STATIC_URL = "http://news.example.org/static/"  # expect: http-url-setting@15
