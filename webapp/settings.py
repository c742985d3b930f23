"""Settings of the web app: the store's database and data root, plus auth, sessions, axes.

Environment: CREDCHECK_DATA, DATABASE_URL (as the store), CREDCHECK_SECRET_KEY (else a key
kept in CREDCHECK_DATA/secret_key, made on first start), CREDCHECK_DEBUG=1,
CREDCHECK_ALLOWED_HOSTS (comma separated), CREDCHECK_HTTPS=1 (behind TLS: secure cookies,
HSTS, redirect to https), CREDCHECK_VERIFY (deployment | local, see webapp/verify.py).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from store.dataroot import data_root
from store.db import database_config

BASE_DIR = Path(__file__).resolve().parent
DATA_ROOT = data_root()


def _secret_key() -> str:
    if key := os.environ.get("CREDCHECK_SECRET_KEY"):
        return key
    # One key per data root, so sessions survive a restart and every process agrees.
    path = DATA_ROOT / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        if not DATA_ROOT.is_dir():  # nothing to share a key with: one for this process
            return secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
        return path.read_text().strip()
    except OSError:
        return secrets.token_urlsafe(50)


DEBUG = os.environ.get("CREDCHECK_DEBUG", "") == "1"
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("CREDCHECK_ALLOWED_HOSTS", "*").split(",") if h.strip()
]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "store",
    "webapp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page but the login page needs a signed-in user (Django 5.1+).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.roles.context",
            ]
        },
    }
]
DATABASES = {"default": database_config(DATA_ROOT)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
USE_I18N = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "queue"
LOGOUT_REDIRECT_URL = "login"
STATIC_URL = "/static/"
# No collectstatic step on a fresh machine: whitenoise serves the apps' static folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]  # fmt: skip

# Uploads: bodies above this go to a temporary file, not memory; the app's own limits are in
# webapp/uploads.py.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 500
FILE_UPLOAD_TEMP_DIR = None

# Login throttling: 5 wrong passwords for a user name from one address lock it for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "webapp/locked.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # a working day
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and os.environ.get("CREDCHECK_HTTPS", "") == "1":
    # Behind TLS (a reverse proxy): cookies only over https, and browsers told so.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CREDCHECK_CSRF_ORIGINS", "").split(",") if o.strip()
]

CREDCHECK_VERIFY = os.environ.get("CREDCHECK_VERIFY", "deployment")

LOGGING_CONFIG = None  # Prefect configures logging in the same processes
