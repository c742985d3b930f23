"""Running the web app: schema, first admin, and a production WSGI server (waitress).

    python -m webapp.server --port 8000 [--host 127.0.0.1]   (what `credcheck serve --port` starts)

waitress is pure Python and runs the same on Linux and Windows; static files come from
whitenoise inside the app, so no other server is needed in front on an office network.
"""

from __future__ import annotations

import argparse
import os
import sys


def setup(*, migrate: bool = True) -> None:
    from store.dataroot import data_root

    # Before the settings are read: the SQLite file and the secret key live there.
    data_root().mkdir(parents=True, exist_ok=True)
    # `credcheck serve` configured the store alone (store.settings) before starting us.
    if os.environ.get("DJANGO_SETTINGS_MODULE", "store.settings") == "store.settings":
        os.environ["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def has_admin() -> bool:
    from django.contrib.auth import get_user_model

    from webapp.roles import ADMIN

    User = get_user_model()
    return User.objects.filter(is_active=True).filter(
        models_q_admin(ADMIN)
    ).exists()


def models_q_admin(admin: str):
    from django.db.models import Q

    return Q(is_superuser=True) | Q(groups__name=admin)


def create_admin(username: str, password: str) -> None:
    """An admin (管理员 group); the password checked by the configured validators."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.auth.password_validation import validate_password

    from webapp import audit
    from webapp.roles import ADMIN

    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValueError(f"用户 {username} 已存在 / user exists")
    user = User(username=username)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=ADMIN))
    audit.record(None, "user_changed", user=user, created=username, role=ADMIN, via="createadmin")


def createadmin_command(username: str) -> int:
    """`credcheck createadmin`: the password typed twice, or one line on stdin (scripts)."""
    import getpass

    from django.core.exceptions import ValidationError

    setup(migrate=True)
    if sys.stdin.isatty():
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再输入一次 / again: ") != password:
            print("两次输入的密码不一致 / passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        create_admin(username, password)
    except (ValueError, ValidationError) as e:
        msgs = e.messages if isinstance(e, ValidationError) else [str(e)]
        print("未创建 / not created: " + "；".join(msgs), file=sys.stderr)
        return 2
    print(f"已创建管理员 {username} / admin created", file=sys.stderr)
    return 0


def serve(host: str, port: int, threads: int = 8) -> None:
    from waitress import serve as waitress_serve

    from webapp.wsgi import application

    waitress_serve(application, host=host, port=port, threads=threads,
                   max_request_body_size=2 * 1024**3, ident="credcheck")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m webapp.server")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args(argv)
    setup(migrate=True)
    if not has_admin():
        print("还没有管理员：请运行 credcheck createadmin 创建第一个管理员 / "
              "no admin yet: run `credcheck createadmin`", file=sys.stderr, flush=True)  # fmt: skip
    print(f"审核工作台 / web app: http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    serve(args.host, args.port, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
