"""Repository endpoints: file contents at a ref and a user's permission level."""

from __future__ import annotations

import io
import secrets
import tarfile

from bot.sandbox import render
from bot.sandbox.routing import ApiError, Ctx, Reply, operation, repo_of

LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


@operation("repos/get-content")
async def get_content(ctx: Ctx) -> Reply:
    repo = repo_of(ctx)
    ref = ctx.arg("ref") or repo.default_branch
    _, tree = ctx.world.tree_at(repo, ref)
    path = ctx.params["path"].strip("/")
    if path in tree:
        if "application/vnd.github.raw" in ctx.accept:
            return Reply(200, raw=tree[path], content_type="application/vnd.github.raw")
        return Reply(200, render.content_file(repo, path, tree[path], ref))
    listing = render.content_directory(repo, path, tree, ref)
    if listing is None:
        raise ApiError(404, "Not Found")
    return Reply(200, listing)


@operation("repos/get-collaborator-permission-level")
async def get_collaborator_permission_level(ctx: Ctx) -> Reply:
    """`role_name` is the fine-grained role; `permission` is GitHub's legacy admin/write/read/none."""
    repo = repo_of(ctx)
    login = ctx.params["username"]
    role = "admin" if login.lower() == repo.owner.lower() else repo.collaborators.get(login)
    user = render.user(ctx.world, login)
    user.update(role_name=role or "none", permissions=_permission_flags(role))
    body = {"permission": LEGACY_PERMISSION.get(role or "", "none"), "role_name": role or "none", "user": user}
    return Reply(200, body)


def _permission_flags(role: str | None) -> dict[str, bool]:
    order = ["read", "triage", "write", "maintain", "admin"]
    rank = order.index(role) if role in order else -1
    return {"pull": rank >= 0, "triage": rank >= 1, "push": rank >= 2, "maintain": rank >= 3, "admin": rank >= 4}


@operation("repos/download-tarball-archive")
async def download_tarball_archive(ctx: Ctx) -> Reply:
    """302 to a one-time codeload URL on the stand-in (served by `codeload_tarball`), like GitHub."""
    repo = repo_of(ctx)
    sha, _ = ctx.world.tree_at(repo, ctx.params["ref"])
    key = secrets.token_urlsafe(12)
    ctx.standin.archives[key] = (repo.full_name, sha)
    location = f"{ctx.standin.url}/_codeload/{repo.full_name}/legacy.tar.gz/{sha}?token={key}"
    return Reply(302, headers={"Location": location})


def tarball(owner: str, name: str, sha: str, tree: dict[str, bytes]) -> bytes:
    """A gzipped tar of a tree under `<owner>-<repo>-<sha7>/`, the layout GitHub's tarballs use."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, content in sorted(tree.items()):
            info = tarfile.TarInfo(f"{owner}-{name}-{sha[:7]}/{path}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
