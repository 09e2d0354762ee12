"""nox's side of the locked-env benchmark: `uv sync --locked` into the session's env."""

import nox

nox.options.default_venv_backend = "uv"


@nox.session(python="3.11")
def locked(session):
    """The env uv.lock pins for the dev group, as nox's docs show for uv projects."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--no-default-groups",
        "--group",
        "dev",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )
    session.run("python", "-c", "pass")
