"""The sticky summary comment (opt-in with `summary_comment = true`): one PR comment, edited in place.

The check run always carries the summary; some teams also want it in the conversation. Edits
notify nobody, so when the verdict changes (e.g. needs review -> success) the old comment is
minimized as OUTDATED and a new one is posted. The state store holds the comment; when it lost
track, our marker in the PR's comments finds it again, so a retry never posts a second one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot import checkrun
from bot.context import JobContext, Outcome
from bot.github import paged
from bot.markers import find_markers, marker

MARKER_KIND = "summary"
_VERDICT_TEXT = {"success": "✅ nothing needs review", "neutral": "ℹ️ reported, not blocking",
                 "action_required": "🛑 needs a maintainer's review", "failure": "🛑 needs a maintainer's review"}

MINIMIZE = """
mutation($id: ID!) {
  minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } }
}
"""


@dataclass(frozen=True)
class Posted:
    comment_id: int
    node_id: str
    verdict: str
    digest: str


def decide_summary(previous: Posted | None, verdict: str, digest: str, anything_to_say: bool) -> str | None:
    """'post', 'edit', 'replace' (minimize the old one, post anew) or None."""
    if previous is None:
        return "post" if anything_to_say else None
    if previous.verdict != verdict:
        return "replace"
    return "edit" if previous.digest != digest else None


def summary_body(outcome: Outcome, ctx: JobContext, verdict: str) -> str:
    text = checkrun.summary(outcome, ctx.config, ctx.pr.draft).replace(marker(checkrun.MARKER_KIND), "").rstrip()
    head = f"## Blindspot: {_VERDICT_TEXT.get(verdict, verdict)} (at {ctx.pr.head_sha[:7]})"
    return f"{head}\n\n{text}\n\n{marker(MARKER_KIND, verdict=verdict)}"


def digest_of(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


async def recover(ctx: JobContext) -> Posted | None:
    """Our newest summary comment on the PR, from its marker (the store lost track of it)."""
    found = None
    for c in await paged(ctx.gh, "/repos/{owner}/{repo}/issues/{number}/comments{?per_page}",
                         {**ctx.pr.url_vars, "per_page": 100}, 3000):
        for m in find_markers(c.get("body")):
            if m.kind == MARKER_KIND:
                found = Posted(int(c["id"]), str(c["node_id"]), m.fields.get("verdict", ""), digest_of(c["body"]))
    return found


async def publish(ctx: JobContext, outcome: Outcome) -> None:
    if outcome.error is not None or not ctx.config.summary_comment:
        return
    verdict = checkrun.decide_conclusion(outcome, ctx.config, ctx.pr.draft)
    body = summary_body(outcome, ctx, verdict)
    row = await ctx.store.summary_comment(ctx.pr.key)
    previous = Posted(row["comment_id"], row["node_id"], row["verdict"], row["digest"]) if row else None
    if previous is None and outcome.findings:
        previous = await recover(ctx)
    action = decide_summary(previous, verdict, digest_of(body), bool(outcome.findings))
    if action == "edit" and previous is not None:
        await ctx.gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                           {**ctx.pr.url_vars, "comment_id": previous.comment_id}, data={"body": body})
        await _save(ctx, previous.comment_id, previous.node_id, verdict, body)
    elif action in ("post", "replace"):
        if previous is not None:
            await ctx.gh.graphql(MINIMIZE, {"id": previous.node_id})
        posted = await ctx.gh.post("/repos/{owner}/{repo}/issues/{number}/comments", ctx.pr.url_vars,
                                   data={"body": body})
        await _save(ctx, int(posted["id"]), str(posted["node_id"]), verdict, body)
    if action is not None:
        ctx.log.info("summary comment", action=action, verdict=verdict)


async def _save(ctx: JobContext, comment_id: int, node_id: str, verdict: str, body: str) -> None:
    await ctx.store.save_summary_comment(ctx.pr.key, comment_id, node_id, verdict, digest_of(body))
