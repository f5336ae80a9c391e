"""Review threads follow their findings: resolved with a "fixed in <sha>" reply when a finding goes away.

A thread belongs to the findings whose markers its first comment carries (bot/review.py writes
them; fingerprints hold no line numbers, so a moved finding keeps its thread). Threads are
resolved, never deleted, so human replies stay readable. A thread we resolved whose finding
comes back is reopened. GitHub is asked for the threads (one GraphQL query) only when a
commented finding disappeared or a resolved one came back; the state store remembers which
were handled, and the markers in our replies make a retry after a failure repeat nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import review
from bot.context import JobContext, Outcome
from bot.markers import find_markers, marker

MARKER_KIND = "threads"
MAX_PAGES = 30

THREADS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          comments(first: 100) { nodes { databaseId body author { login } } }
        }
      }
    }
  }
}
"""

RESOLVE = """
mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }
"""

UNRESOLVE = """
mutation($id: ID!) { unresolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }
"""


@dataclass(frozen=True)
class Thread:
    """One of our review threads, as far as the lifecycle cares."""

    id: str
    first_comment_id: int
    fingerprints: frozenset[str]
    resolved: bool
    last_state: str | None
    """The `state` of our last lifecycle reply in the thread (`fixed`, `back`), None without one."""


@dataclass(frozen=True)
class Action:
    thread: Thread
    kind: str
    """`resolve` (reply "fixed in" unless already replied, then resolve) or `reopen`."""
    reply: bool


def needs_lookup(commented: set[str], current: set[str], resolved: set[str]) -> tuple[set[str], set[str]]:
    """(commented findings gone and not yet handled, handled findings that came back)."""
    return commented - current - resolved, resolved & current


def decide_threads(threads: list[Thread], current: set[str]) -> list[Action]:
    """Resolve open threads none of whose findings remain; reopen threads we resolved whose findings came back."""
    actions = []
    for t in threads:
        alive = bool(t.fingerprints & current)
        if not alive and not t.resolved:
            actions.append(Action(t, "resolve", reply=t.last_state != "fixed"))
        elif alive and t.resolved and t.last_state in ("fixed", "back"):  # "back": the reopen was cut short
            actions.append(Action(t, "reopen", reply=t.last_state == "fixed"))
    return actions


def thread_of(node: dict[str, Any]) -> Thread | None:
    """A GraphQL thread node as a Thread, or None when its first comment is not one of our findings."""
    comments = (node.get("comments") or {}).get("nodes") or []
    if not comments:
        return None
    fps = frozenset(m.fingerprint for m in find_markers(comments[0].get("body"))
                    if m.kind == review.MARKER_KIND and m.fingerprint)
    if not fps:
        return None
    states = [m.fields.get("state") for c in comments for m in find_markers(c.get("body")) if m.kind == MARKER_KIND]
    return Thread(id=node["id"], first_comment_id=int(comments[0]["databaseId"]), fingerprints=fps,
                  resolved=bool(node["isResolved"]), last_state=states[-1] if states else None)


def reply_body(kind: str, head_sha: str) -> str:
    short = head_sha[:7]
    if kind == "resolve":
        text = f"Fixed in {short}: Blindspot no longer finds this in the PR's head, so this thread is resolved."
        state = "fixed"
    else:
        text = f"Back in {short}: Blindspot finds this again, so this thread is open again."
        state = "back"
    return f"{text}\n\n{marker(MARKER_KIND, sha=short, state=state)}"


async def fetch_threads(ctx: JobContext) -> list[Thread]:
    """Our review threads on the PR (all pages)."""
    out: list[Thread] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        data = await ctx.gh.graphql(THREADS_QUERY, {"owner": ctx.pr.owner, "name": ctx.pr.repo,
                                                    "number": ctx.pr.number, "after": after})
        page = data["repository"]["pullRequest"]["reviewThreads"]
        out += [t for t in map(thread_of, page["nodes"]) if t is not None]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return out


async def publish(ctx: JobContext, outcome: Outcome) -> None:
    if outcome.error is not None:
        return
    current = {f.fingerprint for f in outcome.findings}
    resolved = await ctx.store.resolved(ctx.pr.key)
    gone, back = needs_lookup(set(ctx.state.commented), current, resolved)
    if not gone and not back:
        return
    threads = [t for t in await fetch_threads(ctx) if t.fingerprints & (gone | back)]  # leave the others be
    for action in decide_threads(threads, current):
        await _apply(ctx, action)
    await ctx.store.save_resolved(ctx.pr.key, gone, ctx.pr.head_sha)  # handled, with a thread or without one
    if back:
        await ctx.store.forget_resolved(ctx.pr.key, back)
    ctx.log.info("threads updated", gone=len(gone), back=len(back), threads=len(threads))


async def _apply(ctx: JobContext, action: Action) -> None:
    """Reply first, then (un)resolve, then remember: a retry after any step repeats nothing."""
    t = action.thread
    if action.reply:
        await ctx.gh.post("/repos/{owner}/{repo}/pulls/{number}/comments/{comment_id}/replies",
                          {**ctx.pr.url_vars, "comment_id": t.first_comment_id},
                          data={"body": reply_body(action.kind, ctx.pr.head_sha)})
    await ctx.gh.graphql(RESOLVE if action.kind == "resolve" else UNRESOLVE, {"id": t.id})
    if action.kind == "resolve":
        await ctx.store.save_resolved(ctx.pr.key, set(t.fingerprints), ctx.pr.head_sha)
