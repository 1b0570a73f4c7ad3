#!/usr/bin/python3
"""Ask the real Django what it does at request time, for the version on sys.path.

Usage: /usr/bin/python3 test/django/runtime_facts.py   (PYTHONPATH selects the Django)

Prints one JSON object:

    {"version": "4.2",
     "is_secure": [{"header": "https, http", "url_scheme": "http", "secure": true}, ...],
     "cookie_secure": [{"secure": "yes", "flag": true}, ...]}

`is_secure`: with SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https"), a WSGIRequest
whose X-Forwarded-Proto is `header` (absent when null) and whose wsgi.url_scheme is `url_scheme`,
and what request.is_secure() answers.  `cookie_secure`: whether
HttpResponse.set_cookie(secure=VALUE) writes the Secure attribute (the session middleware passes
SESSION_COOKIE_SECURE or None, the CSRF middleware CSRF_COOKIE_SECURE).  No network, no database,
no project code: settings are configured here.
"""

import io
import json
import sys

HEADERS = [
    ("https", "http"),
    ("https, http", "http"),
    ("https,http", "http"),
    (" https", "http"),
    ("http, https", "http"),
    ("HTTPS", "http"),
    ("http", "https"),
    (None, "https"),
    (None, "http"),
]

COOKIE_VALUES = [True, 1, "yes", "False", False, 0, None, ""]


def main():
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["app.example.com"],
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    )
    django.setup()
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse

    is_secure = []
    for header, url_scheme in HEADERS:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "SERVER_NAME": "app.example.com",
            "SERVER_PORT": "80",
            "HTTP_HOST": "app.example.com",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": url_scheme,
        }
        if header is not None:
            environ["HTTP_X_FORWARDED_PROTO"] = header
        request = WSGIRequest(environ)
        is_secure.append({"header": header, "url_scheme": url_scheme, "secure": request.is_secure()})

    cookie_secure = []
    for value in COOKIE_VALUES:
        response = HttpResponse()
        response.set_cookie("sessionid", "x", secure=value)
        morsel = response.cookies["sessionid"]
        cookie_secure.append({"secure": value, "flag": bool(morsel["secure"])})

    json.dump({
        "version": "%d.%d" % django.VERSION[:2],
        "is_secure": is_secure,
        "cookie_secure": cookie_secure,
    }, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
